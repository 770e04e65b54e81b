"""Decisions of salespeople on leads: interesting or not, with reasons and a history."""
