"""Synthetic sessions for the detector tests (keyframes from ``tests/synth.py``)."""

from __future__ import annotations

from typing import TypeVar

from synth import Key, as_batch, simulate, standing_then

from dsp.events import Event
from dsp.pipeline import Pipeline
from firmware_protocol.samples import SampleBatch

T = TypeVar("T")

RATE_HZ = 50.0
SUPINE = -90.0
LYING_M = 0.12
#: ``standing_then`` puts 7 s of standing and a calibration bend before the keys.
SHIFT_S = 7.0


def lie_down(t0: float) -> list[Key]:
    """From standing at ``t0`` to lying still on the back 3 s later."""
    return [Key(t0), Key(t0 + 3.0, SUPINE, 0.0, LYING_M), Key(t0 + 7.0, SUPINE, 0.0, LYING_M)]


def bridges(t0: float, depths_deg: list[float], hold_s: float = 2.0) -> list[Key]:
    """Bridges from lying on the back: up 1.5 s, hold, down 1.8 s, rest 1.5 s each."""
    keys: list[Key] = []
    t = t0
    for depth in depths_deg:
        lift = 0.18 * depth / 25.0
        keys += [
            Key(t + 1.5, SUPINE - depth, 0.0, LYING_M + lift),
            Key(t + 1.5 + hold_s, SUPINE - depth, 0.0, LYING_M + lift),
            Key(t + 3.3 + hold_s, SUPINE, 0.0, LYING_M),
            Key(t + 4.8 + hold_s, SUPINE, 0.0, LYING_M),
        ]
        t += 4.8 + hold_s
    return keys


def roll_to_right_side(t0: float) -> list[Key]:
    """From lying on the back (at ``t0``) onto the right side, then 4 s at rest."""
    return [Key(t0 + 1.5, 0.0, 88.0, 0.17), Key(t0 + 5.5, 0.0, 88.0, 0.17)]


def side_plank(t0: float, hold_s: float, tip_deg: float = 15.0, lift_m: float = 0.15) -> list[Key]:
    """On the right side: hips up (the body line tips head-up), hold, down, rest 4 s."""
    top = 88.0 - tip_deg
    return [
        Key(t0 + 1.5, 0.0, top, 0.17 + lift_m),
        Key(t0 + 1.5 + hold_s, 0.0, top, 0.17 + lift_m),
        Key(t0 + 3.0 + hold_s, 0.0, 88.0, 0.17),
        Key(t0 + 7.0 + hold_s, 0.0, 88.0, 0.17),
    ]


def session(keys: list[Key], seed: int = 1) -> SampleBatch:
    motion = simulate(
        standing_then(keys),
        RATE_HZ,
        ("-x", "+z"),
        noise_acc_mps2=0.05,
        noise_gyro_dps=0.5,
        seed=seed,
    )
    return as_batch(motion, rate_hz=RATE_HZ)


def run(batches: list[SampleBatch], exercise: str | None = None) -> list[Event]:
    pipeline = Pipeline("s", "session")
    pipeline.set_exercise(exercise)
    events: list[Event] = []
    for batch in batches:
        events.extend(pipeline.update(batch))
    events.extend(pipeline.finish())
    return events


def of_type(events: list[Event], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]
