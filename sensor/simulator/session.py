"""Run a script: build the motion, measure it with a simulated sensor, deliver it over BLE.

Three independent random streams come from one seed (movement, sensor errors, link), so
changing the noise level never changes the movement, and the same seed always gives the same
session, byte for byte.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from firmware_protocol.samples import FloatArray
from sensor.simulator.activities import ACTIVITIES
from sensor.simulator.builder import Builder
from sensor.simulator.kinematics import body_motion
from sensor.simulator.link_model import Delivery, LinkSettings, deliver
from sensor.simulator.params import Params
from sensor.simulator.script import Script
from sensor.simulator.sensor_model import (
    Mounting,
    SensorReadings,
    SensorSettings,
    measure,
    parse_mounting,
    sample_times_s,
)
from sensor.simulator.truth import build_truth

END_STILL_S = 2.0
START_REST_S = 3.0


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    """Everything besides the script that decides the output.

    ``samples_per_notification``: how many samples one BLE notification carries (1 for
    WitMotion and micro:bit). ``declare_mounting``: write the mounting into the raw header
    (only possible when it is axis-aligned); otherwise the chain has to auto-calibrate.
    """

    seed: int = 1
    sensor: SensorSettings = field(default_factory=SensorSettings)
    link: LinkSettings = field(default_factory=LinkSettings)
    mounting: Mounting = field(default_factory=lambda: parse_mounting("+z,+x"))
    samples_per_notification: int = 1
    declare_mounting: bool = False


@dataclass(frozen=True, slots=True)
class Simulation:
    """A simulated session: what the sensor measured, how it was delivered, and the truth."""

    script: Script
    settings: SimulationSettings
    readings: SensorReadings
    delivery: Delivery
    truth: dict[str, Any]
    sensor_euler_deg: FloatArray


def build_motion(script: Script, seed: int) -> Builder:
    """Lay the script's steps on a timeline (movement only, no sensor)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    b = Builder(rng, script.person, script.heading_deg, script.start)
    steps = list(script.steps)
    if script.start != "standing":
        # A session that starts lying or sitting is at rest there before anything happens.
        b.hold(b.rest_time(START_REST_S))
    if script.calibration:
        steps.insert(0, Params("calibration", ACTIVITIES["calibration"][0], {}))
    for step in steps:
        start = b.now_s
        ACTIVITIES[step.activity][1](b, step)
        if step.num("disconnect_s", 0.0) > 0:
            b.truth.disconnects.append(
                (start + step.num("disconnect_after_s", 5.0), step.num("disconnect_s"))
            )
    b.hold(END_STILL_S)
    b.close()
    return b


STAGES = ("laying out the script", "moving the body", "measuring", "delivering", "truth", "fusion")
"""What :func:`simulate` reports to ``on_stage`` as it starts each, in this order."""


def simulate(
    script: Script,
    settings: SimulationSettings,
    on_stage: Callable[[int, str], None] | None = None,
) -> Simulation:
    """The whole session, deterministic in ``settings.seed``.

    ``on_stage(index, name)``: called as each of :data:`STAGES` starts (a command's progress
    bar; the simulator itself shows nothing).
    """

    def stage(index: int) -> None:
        if on_stage is not None:
            on_stage(index, STAGES[index])

    stage(0)
    b = build_motion(script, settings.seed)
    duration = b.now_s
    sensor_rng = np.random.default_rng(np.random.SeedSequence([settings.seed, 1]))
    link_rng = np.random.default_rng(np.random.SeedSequence([settings.seed, 2]))
    t = sample_times_s(duration, settings.sensor, sensor_rng)
    stage(1)
    motion = body_motion(b.timeline, t)
    stage(2)
    readings = measure(
        t,
        motion.specific_force_body_mps2,
        motion.rate_body_dps,
        settings.mounting,
        settings.sensor,
        sensor_rng,
    )
    stage(3)
    delivery = deliver(
        t, settings.samples_per_notification, settings.link, tuple(b.truth.disconnects), link_rng
    )
    stage(4)
    m = settings.mounting
    meta: dict[str, Any] = {
        "script": script.name,
        "seed": settings.seed,
        "rate_hz": settings.sensor.rate_hz,
        "has_gyro": settings.sensor.has_gyro,
        "mounting": {
            "spec": m.text,
            "up": m.up,
            "forward": m.forward,
            "matrix_sensor_from_body": [[round(float(v), 6) for v in row] for row in m.matrix],
            "declared": settings.declare_mounting,
        },
        "sensor_settings": {k: getattr(settings.sensor, k) for k in settings.sensor.__slots__},
    }
    truth = build_truth(b, duration, delivery.gaps, meta)
    stage(5)
    # What an on-board fusion would report (WitMotion frames carry roll, pitch, yaw).
    world_from_sensor = motion.rot * Rotation.from_matrix(m.matrix.T)
    with warnings.catch_warnings():
        # Pitch at +-90 deg (lying, bending) is a gimbal lock: scipy warns and picks yaw 0,
        # which is what a device's Euler output does too.
        warnings.simplefilter("ignore", UserWarning)
        euler = world_from_sensor.as_euler("ZYX", degrees=True)[:, ::-1]
    return Simulation(script, settings, readings, delivery, truth, np.ascontiguousarray(euler))
