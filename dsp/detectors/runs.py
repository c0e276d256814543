"""Run lengths of boolean flags, carried across chunks (so counts do not depend on chunking)."""

from __future__ import annotations

import numpy as np


def runs(flag: np.ndarray, run_before: int) -> np.ndarray:
    """How many samples in a row ``flag`` has been true at each sample (run carried in)."""
    idx = np.arange(flag.shape[0])
    last_false = np.maximum.accumulate(np.where(~flag, idx, -1))
    return np.asarray(np.where(last_false >= 0, idx - last_false, idx + 1 + run_before))


def run_at_least(flag: np.ndarray, run_before: int, n: int) -> tuple[np.ndarray, int]:
    """Where ``flag`` has been true for ``n`` samples in a row (run carried in and out)."""
    run = runs(flag, run_before)
    return np.asarray(run >= n), int(run[-1]) if run.size else run_before


def first_true(mask: np.ndarray) -> int:
    """Index of the first true sample of ``mask``, or its length when there is none."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else mask.shape[0]
