"""Admin for evaluations, decisions, plans and alerts."""
