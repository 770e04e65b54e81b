"""Leads evaluated against the published portrait: in bulk, in runs, and explained on read."""
