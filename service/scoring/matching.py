"""One-to-one matching of detected intervals or instants with true ones."""

from __future__ import annotations

from collections.abc import Sequence


def overlap_s(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def match_intervals(
    truth: Sequence[tuple[float, float]],
    found: Sequence[tuple[float, float]],
    min_fraction: float = 0.3,
) -> list[tuple[int, int]]:
    """Greedy by overlap: pairs ``(truth_index, found_index)``, each used once.

    A pair needs an overlap of at least ``min_fraction`` of the shorter interval (an instant
    found inside a true interval counts as overlapping it).
    """
    candidates: list[tuple[float, int, int]] = []
    for i, (t0, t1) in enumerate(truth):
        for j, (f0, f1) in enumerate(found):
            ov = overlap_s(t0, t1, f0, f1)
            shorter = max(1e-9, min(t1 - t0, f1 - f0))
            inside = f1 - f0 < 1e-9 and t0 <= f0 <= t1
            if inside or (ov > 0 and ov / shorter >= min_fraction):
                candidates.append((ov if not inside else shorter, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_t: set[int] = set()
    used_f: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            pairs.append((i, j))
    return sorted(pairs)
