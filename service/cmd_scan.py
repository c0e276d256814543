"""``holdfast scan``: list the supported sensors nearby (model, address, RSSI, battery)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from firmware_protocol.errors import ConfigError
from sensor.ble import scan_sensors
from sensor.ble.oneshot import read_battery_pct
from sensor.errors import SensorError

BATTERY_READ_TIMEOUT_S = 10.0


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="list supported BLE sensors nearby",
        description="Scan for supported sensors and list model, address, signal strength and "
        "battery level (read by connecting briefly; --no-battery skips that).",
    )
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help="scan time (5)")
    p.add_argument("--no-battery", action="store_true", help="do not connect to read batteries")
    p.add_argument("--model", help="treat every device as this model (odd advertised names)")
    p.add_argument("--format", choices=("text", "jsonl"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise ConfigError("--timeout", "must be > 0")
    return asyncio.run(
        scan(args.timeout, battery=not args.no_battery, model=args.model, fmt=args.format)
    )


async def scan(timeout_s: float, *, battery: bool, model: str | None, fmt: str) -> int:
    found = await scan_sensors(timeout_s, model=model)
    if fmt == "text":
        print(f"{len(found)} supported sensor(s) found in {timeout_s:g} s")
    for sensor in found:
        pct: int | None = None
        problem = ""
        if battery:
            try:
                pct = await read_battery_pct(sensor, BATTERY_READ_TIMEOUT_S)
            except SensorError as exc:
                problem = exc.reason
        if fmt == "jsonl":
            line = {
                "model": sensor.model,
                "address": sensor.address,
                "name": sensor.name,
                "rssi_dbm": sensor.rssi_dbm,
                "battery_pct": pct,
            }
            if problem:
                line["battery_problem"] = problem
            print(json.dumps(line), flush=True)
        else:
            shown = f"{pct} %" if pct is not None else (f"? ({problem})" if problem else "-")
            rssi = f"{sensor.rssi_dbm} dBm" if sensor.rssi_dbm is not None else "? dBm"
            print(
                f"{sensor.model:<16} {sensor.address}  {rssi:>8}  battery {shown}  "
                f"{sensor.name or ''}",
                flush=True,
            )
    if not found:
        print(
            "holdfast: no supported sensor found (is it on and not connected elsewhere?)",
            file=sys.stderr,
        )
        return 1
    return 0
