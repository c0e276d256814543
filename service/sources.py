"""Where ``holdfast serve`` gets samples: recordings, the simulator, BLE sensors.

Each becomes a :class:`service.app.SourceSpec` (a :class:`sensor.source.SampleSource` plus
session id and mounting); the app does not care which. A simulated session is rendered as a
raw recording in a working directory first and then replayed in real time, so it goes through
the decoder exactly like a sensor's bytes would.
"""

from __future__ import annotations

import time
from pathlib import Path

from firmware_protocol.errors import ConfigError
from firmware_protocol.registry import SIMULATED_MODEL
from sensor.ble import AUTO, BleSettings, BleSource
from sensor.simulator.output import write_raw
from sensor.simulator.script import load_script
from sensor.simulator.session import SimulationSettings, simulate
from service.app import SourceSpec


def simulated(script: str, workdir: Path, *, speed: float, seed: int = 1) -> SourceSpec:
    """The simulator running ``script`` (a built-in name such as ``demo``, or a TOML path)."""
    loaded = load_script(script)
    sim = simulate(loaded, SimulationSettings(seed=seed))
    path = workdir / f"simulated-{loaded.name}-{seed}.jsonl"
    write_raw(sim, path, SIMULATED_MODEL)
    return SourceSpec.replay(path, speed=speed)


def ble_sensors(
    targets: list[str],
    sensor_ids: list[str],
    *,
    model: str | None,
    rate_hz: float | None,
    mounting: tuple[str, str] | None,
) -> list[SourceSpec]:
    """One :class:`BleSource` per address (or ``auto``), sharing one session clock.

    ``sensor_ids`` name them in order (default: ``back`` for a single sensor, else the
    address).
    """
    if len(sensor_ids) > len(targets):
        raise ConfigError("--sensor-id", "more --sensor-id than --sensor")
    t0_s = time.monotonic()
    settings = BleSettings(rate_hz=rate_hz, model=model)
    specs = []
    for i, target in enumerate(targets):
        default_id = "back" if len(targets) == 1 else target.upper()
        sensor_id = sensor_ids[i] if i < len(sensor_ids) else default_id
        source = BleSource(
            target if target.lower() != AUTO else AUTO,
            sensor_id=sensor_id,
            settings=settings,
            session_start_s=t0_s,
        )
        spec = SourceSpec.live(source)
        specs.append(SourceSpec(spec.source, spec.session_id, mounting))
    return specs
