"""A cheap sensor's errors (gyro bias, accelerometer scale) must not break calibration,
stillness, posture or angles (seen in real recordings: 9.2-9.6 m/s^2 at rest, 5 deg/s bias)."""

from __future__ import annotations

import numpy as np
import pytest
from synth import Key, as_batch, simulate, standing_then

from dsp.events import AngleEvent, FlexionEvent, PostureEvent
from dsp.pipeline import Pipeline
from firmware_protocol.samples import SampleBatch


@pytest.mark.parametrize("scale", [0.94, 1.0, 1.04])
@pytest.mark.parametrize("bias_dps", [0.0, 5.0])
def test_bias_and_scale(scale: float, bias_dps: float) -> None:
    keys = standing_then(
        [
            Key(0),
            Key(1.5, 70),
            Key(3.0),
            Key(6.0),
            Key(8.5, 0, 0, 0.55),
            Key(10.0, 0, 0, 0.55),
            Key(12, 88, 0, 0.58),
            Key(20, 88, 0, 0.58),
        ]
    )
    motion = simulate(keys, 50.0, ("+y", "-z"), noise_acc_mps2=0.05, noise_gyro_dps=0.5, seed=2)
    batch = as_batch(motion)
    bent = SampleBatch(
        batch.sensor,
        batch.t_host_s,
        batch.acc_mps2 * scale,
        batch.gyro_dps + np.array([bias_dps, -0.6 * bias_dps, 0.3 * bias_dps]),  # type: ignore[operator]
        batch.t_device_s,
        batch.nominal_rate_hz,
    )
    events = Pipeline("s").update(bent)
    assert [e.stage for e in events if e.type == "calibrated"] == ["up_only", "complete"]  # type: ignore[union-attr]
    peaks = [e.peak_deg for e in events if isinstance(e, FlexionEvent)]
    # Peaks of quick bends (no pause at the bottom): within the 4 deg dynamic target.
    assert peaks == [pytest.approx(50, abs=4), pytest.approx(70, abs=4)]
    assert [e.posture for e in events if isinstance(e, PostureEvent)] == ["upright", "quadruped"]
    last = [e for e in events if isinstance(e, AngleEvent)][-1]
    assert last.flexion_deg == pytest.approx(88, abs=1.5)
