"""Every device with an encoder: a simulated raw recording decodes to what the sensor measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, SampleBatch
from sensor.replay import Recording
from sensor.simulator.output import encodable_devices, write_simulation
from sensor.simulator.script import parse_script
from sensor.simulator.sensor_model import SensorSettings
from sensor.simulator.session import SimulationSettings, simulate

SCRIPT = '[script]\ncalibration = false\n[[step]]\nactivity = "forward_bend"\ncount = 1\n'


@pytest.mark.parametrize("device", sorted(encodable_devices()))
def test_raw_recording_decodes_to_the_readings(tmp_path: Path, device: str) -> None:
    enc = encodable_devices()[device]
    settings = SimulationSettings(
        seed=1,
        sensor=SensorSettings(has_gyro=enc.has_gyro),
        samples_per_notification=enc.samples_per_notification,
    )
    sim = simulate(parse_script(SCRIPT), settings)
    out = tmp_path / "d.jsonl.gz"
    write_simulation(sim, out, device)
    batches = [b for b in Recording(out).items() if isinstance(b, SampleBatch)]
    acc = np.concatenate([b.acc_mps2 for b in batches])
    assert acc.shape == sim.readings.acc_mps2.shape
    # Each device quantises on its own grid (a micro:bit to ~16 mg); nothing else may differ.
    assert np.abs(acc - sim.readings.acc_mps2).max() < 0.2
    assert np.median(np.linalg.norm(acc, axis=1)) == pytest.approx(STANDARD_GRAVITY_MPS2, abs=0.2)
    if enc.has_gyro:
        gyro = np.concatenate([b.gyro_dps for b in batches if b.gyro_dps is not None])
        assert sim.readings.gyro_dps is not None
        assert np.abs(gyro - sim.readings.gyro_dps).max() < 0.2
        assert np.abs(gyro).max() > 20.0  # the bend is in there
    # Arrival times never run ahead of the samples they carry.
    t_host = np.concatenate([b.t_host_s for b in batches])
    assert np.all(t_host >= sim.readings.t_s - 1e-6)
