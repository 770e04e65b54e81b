"""Employees as readers: the language each one is written to in."""
