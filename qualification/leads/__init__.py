"""Single leads: saved by hand, read per role, flagged as possible duplicates and merged."""
