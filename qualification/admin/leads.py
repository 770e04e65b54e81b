"""Admin for leads."""
