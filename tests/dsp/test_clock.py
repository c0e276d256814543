"""Sample clock: times from jittery host arrivals, gaps found and never bridged."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dsp.clock import SampleClock

RATE_HZ = 50.0


def arrivals(n: int, seed: int = 1, rate_error: float = 0.0, burst: int = 1) -> tuple:  # type: ignore[type-arg]
    """True sample times and host arrivals: latency 10-40 ms, optionally in BLE bursts."""
    rng = np.random.default_rng(seed)
    true_t = np.arange(n) / (RATE_HZ * (1.0 + rate_error))
    a = true_t + 0.010 + rng.uniform(0.0, 0.030, n)
    if burst > 1:  # packets held back and delivered together at the end of each burst
        for lo in range(0, n, burst):
            a[lo : lo + burst] = a[min(lo + burst, n) - 1]
    return true_t, np.maximum.accumulate(a)


@pytest.mark.parametrize("rate_error", [0.0, -0.015, 0.015])
@pytest.mark.parametrize("burst", [1, 4])
def test_reconstructed_times_stay_within_one_sample(rate_error: float, burst: int) -> None:
    true_t, a = arrivals(3000, rate_error=rate_error, burst=burst)
    out = SampleClock().update(a, RATE_HZ)
    err = out.t_s - true_t
    err -= np.median(err)  # a constant latency offset is not an error
    # The first burst can only be placed at its arrival; early arrivals correct it within a
    # second (a causal clock cannot do better).
    settled = true_t > 1.0
    # Bursts hide when within the burst each sample was taken: allow half a sample more.
    assert np.max(np.abs(err[settled])) < (1.0 if burst == 1 else 1.5) / RATE_HZ
    assert np.max(np.abs(err)) < burst / RATE_HZ + 0.04
    assert np.all(np.diff(out.t_s) >= 0)
    assert out.segment_starts == ((0, None),)


def test_a_gap_starts_a_new_segment_and_is_reported() -> None:
    true_t, a = arrivals(1000)
    keep = (true_t < 5.0) | (true_t >= 7.0)  # two seconds of packets lost
    out = SampleClock().update(a[keep], RATE_HZ)
    first_after = int(np.flatnonzero(true_t[keep] >= 7.0)[0])
    assert [k for k, _ in out.segment_starts] == [0, first_after]
    gap = out.segment_starts[1][1]
    assert gap == pytest.approx(2.0, abs=0.06)
    # Nothing is invented in the gap: the first sample after it is not earlier than its truth.
    assert out.t_s[first_after] - true_t[keep][first_after] >= 0


def test_one_lost_packet_is_not_a_gap() -> None:
    _true_t, a = arrivals(500)
    keep = np.ones(500, dtype=bool)
    keep[250] = False
    out = SampleClock().update(a[keep], RATE_HZ)
    assert len(out.segment_starts) == 1


def test_chunking_does_not_change_times() -> None:
    _, a = arrivals(2000, burst=3)
    whole = SampleClock().update(a, RATE_HZ).t_s
    clock = SampleClock()
    cuts = [0, 1, 7, 300, 301, 999, 1500, 2000]
    parts = [clock.update(a[lo:hi], RATE_HZ).t_s for lo, hi in itertools.pairwise(cuts)]
    assert np.array_equal(np.concatenate(parts), whole)


def test_device_time_going_backwards_is_a_gap() -> None:
    t = np.concatenate([np.arange(0, 2, 0.02), np.arange(1.0, 2, 0.02)])
    out = SampleClock().update(t, RATE_HZ, t_device_s=t)
    assert [k for k, _ in out.segment_starts] == [0, 100]
    assert np.array_equal(out.t_s, t)


def test_reset_after_disconnect_reports_the_next_sample_as_a_gap() -> None:
    clock = SampleClock()
    clock.update(np.array([0.0, 0.02, 0.04]), RATE_HZ)
    clock.reset()
    out = clock.update(np.array([0.06, 0.08]), RATE_HZ)
    assert out.segment_starts[0][0] == 0
    assert out.segment_starts[0][1] is not None
