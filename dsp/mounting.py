"""Mounting: how the sensor sits on the back, as a rotation from sensor to body axes.

Body axes: x forward (toward the belly), y left, z up (toward the head); right-handed.
A mounting is given explicitly (``up`` and ``forward`` sensor axes, e.g. ``+y`` / ``-z``) or
learned: see :class:`dsp.calibration.AutoCalibrator`.
"""

from __future__ import annotations

import numpy as np

from firmware_protocol.errors import ConfigError
from firmware_protocol.samples import FloatArray

AXES = ("+x", "-x", "+y", "-y", "+z", "-z")

AXIS_VECTORS: dict[str, tuple[float, float, float]] = {
    "+x": (1.0, 0.0, 0.0),
    "-x": (-1.0, 0.0, 0.0),
    "+y": (0.0, 1.0, 0.0),
    "-y": (0.0, -1.0, 0.0),
    "+z": (0.0, 0.0, 1.0),
    "-z": (0.0, 0.0, -1.0),
}


def axis_vector(name: str, field: str) -> FloatArray:
    try:
        return np.array(AXIS_VECTORS[name])
    except KeyError:
        raise ConfigError(field, f"{name!r} is not an axis", AXES) from None


def rotation_from_vectors(up_s: FloatArray, forward_s: FloatArray) -> FloatArray:
    """Rows are the body axes (forward, left, up) in sensor coordinates: ``v_b = R @ v_s``.

    ``forward_s`` is made orthogonal to ``up_s`` first (Gram-Schmidt), so a roughly estimated
    forward direction is fine.
    """
    up = up_s / np.linalg.norm(up_s)
    fwd = forward_s - np.dot(forward_s, up) * up
    norm = np.linalg.norm(fwd)
    if norm < 1e-6:
        raise ValueError("forward direction is parallel to up")
    fwd = fwd / norm
    left = np.cross(up, fwd)
    return np.vstack([fwd, left, up])


def rotation_from_axes(up: str, forward: str) -> FloatArray:
    """Explicit mounting from axis names; a ``ConfigError`` if they are not perpendicular."""
    up_v = axis_vector(up, "--up")
    fwd_v = axis_vector(forward, "--forward")
    if abs(float(np.dot(up_v, fwd_v))) > 0.5:
        raise ConfigError(
            "--forward",
            f"{forward} is not perpendicular to --up {up}",
            [a for a in AXES if a[1] != up[1]],
        )
    return rotation_from_vectors(up_v, fwd_v)
