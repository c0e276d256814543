"""Scoring the chain's events against simulator truth (``holdfast score``, benchmarks)."""
