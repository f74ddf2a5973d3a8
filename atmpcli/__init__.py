"""atmpcli: cost-effectiveness of precision medicine and advanced therapies (ATMPs) from YAML scenarios."""

__version__ = "0.1.0"
