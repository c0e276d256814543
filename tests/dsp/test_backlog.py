"""The backlog keeps the last samples, and its late analysis reports results."""

from __future__ import annotations

import numpy as np

from dsp.backlog import Backlog, Stretch, late_results
from dsp.events import Event, HoldEndedEvent, HoldStartedEvent, HoldTickEvent, RepEvent


def _stretch(first: int, n: int) -> Stretch:
    t = 0.02 * np.arange(first, first + n)
    return Stretch(t, np.zeros((n, 3)), np.tile([0.0, 0.0, 1.0], (n, 1)), np.ones(n, bool))


def test_the_backlog_keeps_the_newest_samples_up_to_its_limit_whatever_the_parts() -> None:
    one, many = Backlog(100), Backlog(100)
    one.add(_stretch(0, 250))
    for k in range(25):
        many.add(_stretch(10 * k, 10))
    a, b = one.take(), many.take()
    assert a is not None
    assert b is not None
    assert len(a) == len(b) == 100
    assert np.array_equal(a.t_s, b.t_s)
    assert a.t_s[0] == 0.02 * 150
    assert one.take() is None


def test_a_late_hold_comes_as_its_end_and_an_open_one_keeps_its_start() -> None:
    kw = {"t": 50.0, "sensor": "s", "exercise": "side_plank", "side": "right", "target_s": 10.0}
    started = HoldStartedEvent(**kw, t_start=10.0)
    tick = HoldTickEvent(**kw, elapsed_s=1.0)
    ended = HoldEndedEvent(
        **kw,
        t_start=10.0,
        duration_s=11.0,
        completed=True,
        reason="lowered",
        sway_deg=0.3,
        tremor_power=0.1,
    )
    rep = RepEvent(
        t=50.0,
        sensor="s",
        index=1,
        exercise="bridge",
        rom_deg=25.0,
        duration_s=5.0,
        top_hold_s=2.0,
        t_start=30.0,
    )
    again = started.model_copy(update={"t_start": 40.0})
    events: list[Event] = [started, tick, tick, ended, rep, again, tick]
    assert late_results(events) == [ended, rep, again]
