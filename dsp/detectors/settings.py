"""Every detector threshold in one model, units in the names, each default with its source.

Users change these in the config file (``[pipeline.detectors]``) or through the service's
config; nothing in the detectors hard-codes a number that is not here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FlexionZoneSettings(BaseModel):
    """Trunk inclination zones for exposure time.

    ISO 11226:2000 and EN 1005-4 rate static trunk inclination of 0-20 deg acceptable, 20-60 deg
    conditionally acceptable (depends on duration) and beyond 60 deg not acceptable; REBA (Hignett
    & McAtamney 2000) scores trunk flexion with the same cut points.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    neutral_max_deg: float = Field(default=20.0, description="ISO 11226 / EN 1005-4 / REBA")
    moderate_max_deg: float = Field(default=60.0, description="ISO 11226 / EN 1005-4 / REBA")


class AlertSettings(BaseModel):
    """Repeated and sustained forward-flexion alerts.

    Repeated: the second seed article (Bruner, DPT) lists repeated forward-flexion exercises
    (toe touches, sit-ups) to avoid; we flag ``repeated_count`` bends deeper than
    ``repeated_depth_deg`` within ``repeated_window_s`` (45 deg is past the middle of the ISO
    11226 moderate band; 3 in a minute is a set, not an occasional stoop). Sustained: beyond the
    ISO 11226 "not acceptable" 60 deg for longer than ``sustained_s`` (EN 1005-4 treats static
    postures held longer than a few seconds as static load; 20 s leaves room to pick up a thing).
    Hysteresis arms above ``sustained_arm_deg`` and re-arms below ``sustained_rearm_deg`` so one
    long bend is one alert; after a repeated alert the count starts again from zero, so a run of
    bends raises one alert per ``repeated_count`` bends, not one per bend.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    repeated_count: int = Field(default=3, ge=2, description="bends within the window")
    repeated_depth_deg: float = Field(default=45.0, gt=0, description="minimum bend depth")
    repeated_window_s: float = Field(default=60.0, gt=0, description="window length")
    sustained_arm_deg: float = Field(default=60.0, gt=0, description="ISO 11226 upper zone")
    sustained_rearm_deg: float = Field(default=50.0, gt=0, description="hysteresis")
    sustained_s: float = Field(default=20.0, gt=0, description="time beyond the arm angle")


class DetectorSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    zones: FlexionZoneSettings = Field(default_factory=FlexionZoneSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
