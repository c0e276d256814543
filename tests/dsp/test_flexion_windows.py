"""Flexion episodes found by windowed search are those of a plain scan over the whole chunk,
whatever the chunking, for episodes much longer than a search window."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp.flexion import FlexionDetector, FlexionEpisode, FlexionSettings

S = FlexionSettings()


def plain_scan(t: np.ndarray, flex: np.ndarray, base: np.ndarray) -> list[FlexionEpisode]:
    """The rule written as one loop over samples (the oracle). The sample that ends an
    episode may start the next one (a cancelled episode hands over to the new posture's)."""
    out, active, peak, b0, t0, down = [], False, -np.inf, 0.0, 0.0, False
    for j in range(t.size):
        if active:
            down = down or bool(np.isnan(base[j]))
            other = not np.isnan(base[j]) and base[j] != b0
            too_long = down and t[j] - t0 > S.max_face_down_s
            if flex[j] - b0 < S.threshold_deg - S.hysteresis_deg or other or too_long:
                if not (other or too_long):
                    out.append(FlexionEpisode(j, t0, float(t[j]), peak, b0))
                active = False
            else:
                peak = max(peak, float(flex[j]))
                continue
        if not np.isnan(base[j]) and flex[j] - base[j] > S.threshold_deg:
            active, b0, t0 = True, base[j], t[j]
            down = bool(np.isnan(base[j]))
            peak = float(flex[j])
    return out


def session(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 12000
    t = np.arange(n) / 50.0
    flex = np.zeros(n)
    base = np.zeros(n)
    at = 0
    while at < n - 10:
        length = min(int(rng.integers(5, 1500)), n - at)  # up to six 256-sample windows
        depth = float(rng.choice([10.0, 40.0, 80.0]))
        flex[at : at + length] = depth * np.sin(np.linspace(0, np.pi, length))
        kind = rng.integers(0, 4)
        if kind == 1:  # goes face down part of the way
            base[at + length // 3 : at + length // 2] = np.nan
        elif kind == 2:  # lying on the back from the middle on
            base[at + length // 2 : at + length] = -90.0
        at += length + int(rng.integers(1, 300))
    return t, flex, base


@settings(max_examples=40)
@given(st.integers(0, 50), st.lists(st.integers(1, 11999), max_size=6))
def test_windowed_search_matches_a_plain_scan_in_any_chunks(seed: int, cuts: list[int]) -> None:
    t, flex, base = session(seed)
    expected = plain_scan(t, flex, base)
    detector = FlexionDetector(S)
    found: list[FlexionEpisode] = []
    for lo, hi in itertools.pairwise([0, *sorted(set(cuts)), t.size]):
        found += [
            FlexionEpisode(e.index + lo, e.t_start, e.t_end, e.peak_deg, e.baseline_deg)
            for e in detector.update(t[lo:hi], flex[lo:hi], base[lo:hi])
        ]
    assert found == expected
    assert expected  # the session has episodes to find
