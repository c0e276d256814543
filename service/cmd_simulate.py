"""``holdfast simulate SCRIPT -o OUT``: a simulated session as a recording plus its truth.

SCRIPT is a TOML script (docs/simulator.md) or the name of a built-in one (``--list``).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from firmware_protocol.errors import ConfigError
from firmware_protocol.registry import SIMULATED_MODEL
from sensor.simulator.link_model import LinkSettings
from sensor.simulator.output import encodable_devices, write_simulation
from sensor.simulator.script import builtin_names, load_script
from sensor.simulator.sensor_model import NOISE_PRESETS, SensorSettings, parse_mounting
from sensor.simulator.session import STAGES, SimulationSettings, simulate
from service.progress import progress


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "simulate",
        help="simulate a session from a script: a recording plus its ground truth",
        description="Simulate a lower-back sensor through a scripted session and write a raw "
        "recording (or samples CSV) and a .truth.json beside it. Same seed, same bytes.",
    )
    p.add_argument("script", nargs="?", help="script .toml file or built-in script name")
    p.add_argument("-o", "--output", type=Path, help="output .jsonl[.gz] or .csv")
    p.add_argument(
        "--device",
        default=SIMULATED_MODEL,
        help=f"csv or a device model with an encoder (default {SIMULATED_MODEL})",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--mounting",
        default="+z,+x",
        help="UP,FORWARD sensor axes (e.g. +y,-z), optionally @RX,RY,RZ degrees of "
        "misalignment, or rotvec:RX,RY,RZ (default +z,+x)",
    )
    p.add_argument(
        "--declare-mounting",
        action="store_true",
        help="write the mounting into the raw header (else the chain auto-calibrates)",
    )
    p.add_argument("--rate", type=float, default=50.0, help="sample rate in Hz (default 50)")
    p.add_argument(
        "--noise",
        default="typical",
        help=f"preset ({', '.join(NOISE_PRESETS)}) and/or KEY=VALUE,... overrides of "
        "sensor settings, e.g. 'high' or 'typical,acc_noise_mps2=0.05'",
    )
    p.add_argument("--no-gyro", action="store_true", help="an accelerometer-only sensor")
    p.add_argument(
        "--link",
        default="",
        help="KEY=VALUE,... link settings, e.g. loss_bursts_per_min=0.5,disconnects_per_hour=4",
    )
    p.add_argument("--list", action="store_true", help="list built-in scripts and devices")
    p.set_defaults(func=run)


def _overrides(text: str, target: type[Any], field: str) -> dict[str, float]:
    names = {f.name for f in dataclasses.fields(target)}
    out: dict[str, float] = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        if part in NOISE_PRESETS and target is SensorSettings:
            out.update(NOISE_PRESETS[part])
            continue
        key, sep, value = part.partition("=")
        if not sep or key not in names:
            raise ConfigError(field, f"cannot use {part!r}", sorted(names))
        try:
            out[key] = float(value)
        except ValueError as exc:
            raise ConfigError(field, f"{key} must be a number, got {value!r}") from exc
    return out


def settings_from_args(
    args: argparse.Namespace, samples_per_notification: int = 1, device_has_gyro: bool = True
) -> SimulationSettings:
    sensor_kw: dict[str, Any] = _overrides(args.noise, SensorSettings, "--noise")
    has_gyro = device_has_gyro and not args.no_gyro
    sensor = SensorSettings(rate_hz=args.rate, has_gyro=has_gyro, **sensor_kw)
    link = LinkSettings(**_overrides(args.link, LinkSettings, "--link"))
    return SimulationSettings(
        seed=args.seed,
        sensor=sensor,
        link=link,
        mounting=parse_mounting(args.mounting),
        samples_per_notification=samples_per_notification,
        declare_mounting=args.declare_mounting,
    )


def run(args: argparse.Namespace) -> int:
    if args.list:
        print("built-in scripts: " + " ".join(builtin_names()))
        print("devices: csv " + " ".join(encodable_devices()))
        return 0
    if args.script is None or args.output is None:
        raise ConfigError("simulate", "give SCRIPT and -o OUTPUT (or --list)")
    encoders = encodable_devices()
    if args.device != "csv" and args.device not in encoders:
        raise ConfigError("--device", f"cannot encode {args.device!r}", ["csv", *encoders])
    enc = encoders.get(args.device)
    settings = settings_from_args(
        args,
        enc.samples_per_notification if enc is not None else 1,
        enc.has_gyro if enc is not None else True,
    )
    script = load_script(args.script)
    # A bar on a terminal once the job runs past a moment (a long script): one step per stage.
    with progress(f"simulating {script.name}", total=len(STAGES) + 1) as bar:
        sim = simulate(script, settings, on_stage=bar.update)
        bar.update(len(STAGES), f"writing {args.output.name}")
        truth = write_simulation(sim, args.output, args.device)
    kept = int((sim.delivery.notification_of_sample >= 0).sum())
    print(
        f"{args.output}: {script.name}, {sim.truth['duration_s']:.1f} s, {kept} samples; "
        f"truth {truth}"
    )
    return 0
