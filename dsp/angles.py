"""Trunk angles from world-up expressed in body axes (x forward, y left, z up)."""

from __future__ import annotations

import numpy as np

from firmware_protocol.samples import FloatArray


def flexion_deg(u_body: FloatArray) -> FloatArray:
    """Sagittal angle from upright, positive forward: 0 standing, -90 supine, +90 prone."""
    return np.degrees(np.arctan2(-u_body[:, 0], u_body[:, 2]))


def lateral_deg(u_body: FloatArray) -> FloatArray:
    """Side bend, positive toward the person's right (+90 lying on the right side)."""
    return np.degrees(np.arcsin(np.clip(u_body[:, 1], -1.0, 1.0)))


def tilt_deg(u_body_z: FloatArray) -> FloatArray:
    """Angle between the trunk axis and vertical, from the up component alone."""
    return np.degrees(np.arccos(np.clip(u_body_z, -1.0, 1.0)))
