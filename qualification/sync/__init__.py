"""Leads pushed by outside systems: validated, authorised and written a batch at a time."""
