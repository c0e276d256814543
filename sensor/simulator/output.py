"""Writing a simulation: samples CSV or a raw recording in any encodable device format, plus
the truth JSON beside it. Output is deterministic: gzip without a timestamp or file name, a
fixed header start time, fixed number formats."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from firmware_protocol.errors import ConfigError
from firmware_protocol.registry import PROFILES
from firmware_protocol.samples import FloatArray, Packet
from sensor.errors import RecordingError
from sensor.recording import Marker, MountingSpec, RawHeader, RawRecordingWriter
from sensor.samples_csv import write_samples_csv
from sensor.simulator.session import Simulation


@dataclass(frozen=True, slots=True)
class DeviceEncoder:
    """How to turn samples into the notifications of one device model (from its profile).

    ``encode(acc, gyro, euler)`` gives the payloads for a run of samples: with
    ``samples_per_notification`` 1, exactly one payload per sample; otherwise the payloads of
    one notification group (all arriving together).
    """

    model: str
    uuid: str
    has_gyro: bool
    samples_per_notification: int
    encode: Callable[[FloatArray, FloatArray | None, FloatArray], list[bytes]]


def encodable_devices() -> dict[str, DeviceEncoder]:
    """Registered device models whose profile carries an encoder."""
    return {
        model: DeviceEncoder(
            model,
            profile.notify_uuids[0],
            profile.has_gyro,
            profile.encoder.samples_per_notification,
            profile.encoder.encode,
        )
        for model, profile in sorted(PROFILES.items())
        if profile.encoder is not None
    }


def truth_path_for(out: Path) -> Path:
    """``walk.jsonl.gz`` -> ``walk.truth.json`` (the scorer pairs files this way)."""
    name = out.name
    for suffix in (".jsonl.gz", ".jsonl", ".csv"):
        if name.endswith(suffix):
            return out.with_name(name[: -len(suffix)] + ".truth.json")
    return out.with_name(name + ".truth.json")


def write_truth(sim: Simulation, path: Path, extra: dict[str, Any] | None = None) -> None:
    doc = dict(sim.truth)
    if extra:
        doc.update(extra)
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_csv(sim: Simulation, path: Path) -> None:
    """Samples that reached the host, with their sample times (gaps stay gaps).

    Jittered sample instants are kept in order by clamping, which can repeat a time (and the
    CSV's microseconds can merge two): such a sample is left out, since a samples CSV's ``t``
    must increase.
    """
    keep = sim.delivery.notification_of_sample >= 0
    r = sim.readings
    t = np.round(r.t_s[keep], 6)
    rising = np.concatenate([[True], np.diff(t) > 0])
    gyro = r.gyro_dps[keep][rising] if r.gyro_dps is not None else None
    write_samples_csv(path, t[rising], r.acc_mps2[keep][rising], gyro)


def write_raw(sim: Simulation, path: Path, device: str) -> None:
    """A raw recording: one notification per line at its host arrival time, link markers."""
    encoders = encodable_devices()
    if device not in encoders:
        raise ConfigError("device", f"cannot encode {device!r}", [*sorted(encoders), "csv"])
    enc = encoders[device]
    r = sim.readings
    gyro = r.gyro_dps if enc.has_gyro else None
    notif = sim.delivery.notification_of_sample
    arrival = sim.delivery.arrival_s
    m = sim.settings.mounting
    mounting = (
        MountingSpec(up=m.up, forward=m.forward)
        if sim.settings.declare_mounting and m.axis_aligned and m.up and m.forward
        else None
    )
    header = RawHeader(
        device=device,
        nominal_rate_hz=sim.settings.sensor.rate_hz,
        start_utc=datetime.fromisoformat(sim.script.start_utc),
        sensor="back",
        mounting=mounting,
        session_id=f"sim/{sim.script.name}/{sim.settings.seed}",
    )
    uuid = enc.uuid
    # Group samples per notification (samples of one notification are consecutive).
    kept = np.flatnonzero(notif >= 0)
    bounds = np.flatnonzero(np.diff(notif[kept])) + 1
    groups = np.split(kept, bounds) if kept.size else []
    items: list[tuple[float, int, Packet | Marker]] = []
    if enc.samples_per_notification == 1:
        per_sample = enc.encode(r.acc_mps2, gyro, sim.sensor_euler_deg)
        if len(per_sample) != r.acc_mps2.shape[0]:
            raise ConfigError("device", f"{device}: encoder does not give one payload per sample")
        payloads = [[per_sample[int(g[0])]] for g in groups]
    else:
        payloads = [
            enc.encode(r.acc_mps2[g], None if gyro is None else gyro[g], sim.sensor_euler_deg[g])
            for g in groups
        ]
    repeated = sim.delivery.repeated_s
    for g, group_payloads in zip(groups, payloads, strict=True):
        t = float(arrival[notif[g[0]]])
        items.extend((t, len(items), Packet(t, uuid, p)) for p in group_payloads)
        if repeated is not None and not np.isnan(t2 := float(repeated[notif[g[0]]])):
            items.extend((t2, len(items), Packet(t2, uuid, p)) for p in group_payloads)
    for mk in sim.delivery.markers:
        marker = Marker(mk.t_s, "disconnect" if mk.kind == "disconnect" else "connect", mk.detail)
        items.append((mk.t_s, -1, marker))
    items.sort(key=lambda it: (it[0], it[1]))
    gz = path.name.endswith(".gz")
    target = path
    if gz:
        fd, tmp = tempfile.mkstemp(suffix=".jsonl", dir=path.parent)
        os.close(fd)
        target = Path(tmp)
    try:
        with RawRecordingWriter(target, header) as writer:
            for _, _, item in items:
                if isinstance(item, Packet):
                    writer.write_packet(item)
                else:
                    writer.write_marker(item)
        if gz:
            _gzip_deterministic(target, path)
    finally:
        if gz:
            target.unlink(missing_ok=True)


def _gzip_deterministic(src: Path, dst: Path) -> None:
    """gzip with mtime 0 and no file name in the header: same input, same bytes."""
    try:
        with (
            dst.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        ):
            gz.write(src.read_bytes())
    except OSError as exc:
        raise RecordingError(dst, None, f"cannot write: {exc}") from exc


def write_simulation(sim: Simulation, out: Path, device: str) -> Path:
    """Write the recording (``device`` ``csv`` or a device model) and its truth; returns the
    truth path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if device == "csv":
        if not out.name.endswith(".csv"):
            raise ConfigError("output", f"{out.name}: a samples CSV must end in .csv")
        write_csv(sim, out)
    else:
        if not out.name.endswith((".jsonl", ".jsonl.gz")):
            raise ConfigError("output", f"{out.name}: a raw recording ends in .jsonl or .jsonl.gz")
        write_raw(sim, out, device)
    truth = truth_path_for(out)
    write_truth(sim, truth, {"device": device, "recording": out.name})
    return truth
