"""The CLI commands, grouped by topic; each module registers its commands on the shared app."""
