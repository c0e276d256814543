"""A small deterministic motion generator for tests: keyframes -> what a strapped sensor reads.

Keyframes give trunk flexion, lateral bend and lumbar height; between them the motion follows
a minimum-jerk profile. The sensor reads specific force (linear acceleration minus gravity,
in its own axes) and angular rate from the exact orientation trajectory. The full simulator
(``sensor.simulator``) is richer; this one is kept tiny so a test's truth is obvious.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from dsp.mounting import rotation_from_axes
from firmware_protocol import witmotion
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, FloatArray, Packet, SampleBatch
from sensor.recording import RawHeader, RawRecordingWriter


@dataclass(frozen=True)
class Key:
    t_s: float
    flexion_deg: float = 0.0
    lateral_deg: float = 0.0
    height_m: float = 1.0


@dataclass(frozen=True)
class Motion:
    t_s: FloatArray
    flexion_deg: FloatArray
    lateral_deg: FloatArray
    height_m: FloatArray
    acc_mps2: FloatArray  # sensor frame
    gyro_dps: FloatArray  # sensor frame


def _min_jerk(x: FloatArray) -> FloatArray:
    return 10 * x**3 - 15 * x**4 + 6 * x**5


def _interp(keys: list[Key], t: FloatArray, attr: str) -> FloatArray:
    out = np.full(t.shape, getattr(keys[0], attr), dtype=np.float64)
    for a, b in itertools.pairwise(keys):
        span = b.t_s - a.t_s
        m = (t >= a.t_s) & (t <= b.t_s)
        x = (t[m] - a.t_s) / span if span > 0 else np.ones(m.sum())
        out[m] = getattr(a, attr) + (getattr(b, attr) - getattr(a, attr)) * _min_jerk(x)
    out[t > keys[-1].t_s] = getattr(keys[-1], attr)
    return out


def body_rotation(flexion_deg: FloatArray, lateral_deg: FloatArray) -> Rotation:
    """World-from-body: lean sideways (about body x) then bend forward (about body y)."""
    return Rotation.from_euler("YX", np.stack([flexion_deg, lateral_deg], axis=1), degrees=True)


def simulate(
    keys: list[Key],
    rate_hz: float,
    mounting: tuple[str, str] = ("+z", "+x"),
    noise_acc_mps2: float = 0.0,
    noise_gyro_dps: float = 0.0,
    seed: int = 0,
    mounting_matrix: FloatArray | None = None,
) -> Motion:
    t = np.arange(0.0, keys[-1].t_s, 1.0 / rate_hz)
    flex = _interp(keys, t, "flexion_deg")
    lat = _interp(keys, t, "lateral_deg")
    height = _interp(keys, t, "height_m")
    r_wb = body_rotation(flex, lat)
    body_from_sensor = (
        mounting_matrix if mounting_matrix is not None else rotation_from_axes(*mounting)
    )
    # Linear acceleration of the sensor: vertical only (second derivative of height).
    vz = np.gradient(height, t)
    az = np.gradient(vz, t)
    f_world = np.zeros((t.size, 3))
    f_world[:, 2] = az + STANDARD_GRAVITY_MPS2
    f_body = r_wb.inv().apply(f_world)
    acc = f_body @ body_from_sensor  # v_s = M^T v_b  <=>  row-vector v_b @ M
    # Body angular rate from consecutive orientations.
    rel = (r_wb[:-1].inv() * r_wb[1:]).as_rotvec() * rate_hz
    w_body = np.vstack([rel, rel[-1:]]) if rel.size else np.zeros((t.size, 3))
    gyro = np.degrees(w_body @ body_from_sensor)
    rng = np.random.default_rng(seed)
    acc = acc + rng.normal(0.0, noise_acc_mps2, acc.shape) if noise_acc_mps2 else acc
    gyro = gyro + rng.normal(0.0, noise_gyro_dps, gyro.shape) if noise_gyro_dps else gyro
    return Motion(t, flex, lat, height, acc, gyro)


def as_batch(
    motion: Motion,
    sensor: str = "test",
    with_gyro: bool = True,
    rate_hz: float = 50.0,
    host_clock: bool = False,
) -> SampleBatch:
    return SampleBatch(
        sensor=sensor,
        t_host_s=motion.t_s.copy(),
        acc_mps2=motion.acc_mps2,
        gyro_dps=motion.gyro_dps if with_gyro else None,
        t_device_s=None if host_clock else motion.t_s.copy(),
        nominal_rate_hz=rate_hz,
    )


def split(batch: SampleBatch, cuts: list[int]) -> list[SampleBatch]:
    edges = [0, *sorted(c for c in cuts if 0 < c < len(batch)), len(batch)]
    out = []
    for lo, hi in itertools.pairwise(edges):
        if hi > lo:
            out.append(
                SampleBatch(
                    batch.sensor,
                    batch.t_host_s[lo:hi],
                    batch.acc_mps2[lo:hi],
                    None if batch.gyro_dps is None else batch.gyro_dps[lo:hi],
                    None if batch.t_device_s is None else batch.t_device_s[lo:hi],
                    batch.nominal_rate_hz,
                    batch.gap_before and lo == 0,
                )
            )
    return out


def write_witmotion(
    path: str,
    motion: Motion,
    rate_hz: float,
    seed: int = 0,
    latency_s: float = 0.015,
    jitter_s: float = 0.01,
    header_extra: dict[str, object] | None = None,
) -> None:
    """A raw WitMotion recording: one frame per notification, host arrival = t + latency."""
    from datetime import UTC, datetime

    rng = np.random.default_rng(seed)
    arrivals = motion.t_s + latency_s + rng.uniform(0.0, jitter_s, motion.t_s.size)
    arrivals = np.maximum.accumulate(arrivals)
    frames = witmotion.encode_samples(motion.acc_mps2, motion.gyro_dps)
    header = RawHeader(
        device="witmotion",
        nominal_rate_hz=rate_hz,
        start_utc=datetime(2026, 1, 1, tzinfo=UTC),
        **(header_extra or {}),  # type: ignore[arg-type]
    )
    with RawRecordingWriter(path, header) as writer:
        for i, t in enumerate(arrivals):
            writer.write_packet(
                Packet(float(t), witmotion.NOTIFY_UUID, frames[i * 20 : (i + 1) * 20])
            )


def standing_then(keys: list[Key], still_s: float = 3.0) -> list[Key]:
    """Prefix: still standing, then one forward bend to 50 deg and back (teaches forward)."""
    pre = [Key(0.0), Key(still_s), Key(still_s + 1.2, 50.0), Key(still_s + 2.4), Key(still_s + 4.0)]
    shift = pre[-1].t_s
    return pre + [Key(k.t_s + shift, k.flexion_deg, k.lateral_deg, k.height_m) for k in keys]
