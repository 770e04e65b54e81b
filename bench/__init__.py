"""Benchmarks of Portrait CRM against the physical limit and the naive Django way.

Run ``python -m bench`` (or ``make bench`` / ``make bench-quick``); see ``bench/README.md``.
"""
