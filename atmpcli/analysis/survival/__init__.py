"""Survival analysis for cost-effectiveness: Kaplan-Meier, Guyot reconstruction, parametric and cure fits."""
