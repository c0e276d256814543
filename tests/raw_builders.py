"""Raw recordings built packet by packet, for families the simulator does not speak (the
holdfast stream and Polar send device timestamps) and for damaged streams."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from firmware_protocol import holdfast_stream, polar_pmd
from firmware_protocol.registry import PROFILES
from firmware_protocol.samples import Packet
from sensor.recording import Marker, RawHeader, RawRecordingWriter

G = 9.80665
RATE_HZ = 50.0

assert polar_pmd.MODEL  # the Polar encoders below come from this module


def still(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([0.0, 0.0, G]) + rng.normal(0, 0.02, (n, 3))


def write_raw_items(
    path: Path, device: str, items: list[Packet | Marker], rate_hz: float = 50.0
) -> Path:
    header = RawHeader(
        device=device,
        nominal_rate_hz=rate_hz,
        start_utc=datetime(2026, 12, 1, tzinfo=UTC),
        sensor="back",
        session_id=f"test/{device}",
    )
    with RawRecordingWriter(path, header) as w:
        for item in items:
            if isinstance(item, Packet):
                w.write_packet(item)
            else:
                w.write_marker(item)
    return path


def holdfast_stream_recording(path: Path, *, damaged: bool) -> Path:
    """Packets of 5 samples with a device clock far from zero (and sequence faults)."""
    items: list[Packet | Marker] = [Marker(0.0, "connect", "test")]
    clock_us = 3_000_000_000  # ~50 minutes into the device's uptime
    acc = still(600)
    seq = 7
    for k in range(120):
        t_host = 0.1 * (k + 1) + 0.003
        payload = holdfast_stream.encode_packet(
            seq, clock_us + k * 100_000, RATE_HZ, acc[5 * k : 5 * k + 5], np.zeros((5, 3))
        )
        seq += 1
        if damaged and k == 30:
            seq += 3  # three packets lost
        if damaged and k == 50:
            items.append(Packet(t_host, holdfast_stream.DATA_UUID, payload))  # duplicate
        if damaged and k == 60:
            items.append(Packet(t_host, holdfast_stream.DATA_UUID, b"\x00garbage"))
        if damaged and k == 80:
            seq = 0  # the device restarted its counter
        items.append(Packet(t_host, holdfast_stream.DATA_UUID, payload))
    return write_raw_items(path, holdfast_stream.MODEL, items)


def polar_recording(path: Path, profile_model: str = "polar-h10") -> Path:
    """Raw frames of 10 samples stamped with a device clock in nanoseconds since 2000."""
    items: list[Packet | Marker] = [Marker(0.0, "connect", "test")]
    t0_ns = 753_315_200 * 10**9
    acc = still(1000, 1)
    profile = PROFILES[profile_model]
    rate = profile.default_rate_hz
    for k in range(100):
        last_ns = t0_ns + round(((k + 1) * 10 - 1) * 1e9 / rate)
        frame = polar_pmd.encode_raw_frame(acc[10 * k : 10 * k + 10], last_ns)
        items.append(Packet(0.2 * (k + 1) + 0.01, polar_pmd.DATA_UUID, frame))
    return write_raw_items(path, profile.model, items, rate)
