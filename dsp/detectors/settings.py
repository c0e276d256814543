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


class HoldSettings(BaseModel):
    """Hold timer (``docs/detectors.md``).

    A side plank lifts the pelvis off the floor on a forearm under the shoulder: the body line
    tips head-up by roughly asin(0.3-0.5 m / 1.5-1.7 m) = 10-20 deg, while lying on a side it
    is within a few degrees of horizontal; ``side_plank_min_tip_deg`` sits halfway between.
    Other holds (known exercise only) need an excursion of ``min_excursion_deg`` from rest,
    the smallest pelvic movement we still separate from breathing and sway (< 1 deg at rest).
    ``move_deg``: sway (~1 deg) and tremor (~0.1-0.3 deg) stay far inside it, a deliberate
    repositioning (rolling, kneeling up) does not; lowering back toward rest is not "moved".
    ``lowered_dwell_s``: standing, the body sways (~1 deg at 0.2-1.2 Hz on one leg, on a
    ~3 deg single-leg-balance excursion) and a sway trough dips below the return level for a
    fraction of a second; a standing hold is lowered once back this long (= ``reps.settle_s``,
    the chain's time for stillness to be a rest). Supported holds (lying, on hands and knees,
    on a side) only tremor and are lowered at the first return.
    ``side_min_deg``: a one-sided hold's turn toward its side must stand out of rest noise
    and sway (< 1 deg); ``side_min_share``: and be a clear part of the movement, not a
    little asymmetry of a symmetric one (``dsp.detectors.sides``).
    Tremor power is the acceleration power in ``tremor_band_hz`` (physiological tremor
    8-12 Hz, fatigue tremor of a held muscle 3-8 Hz: e.g. Lippold 1970; Gandevia 2001).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    side_plank_min_tip_deg: float = Field(default=7.0, gt=0, description="head-up tip, deg")
    min_excursion_deg: float = Field(default=2.0, gt=0, description="other holds, deg")
    move_deg: float = Field(
        default=8.0, gt=0, description="leaving the hold orientation this far = moved, deg"
    )
    lowered_dwell_s: float = Field(
        default=0.5,
        gt=0,
        description="a hold that swayed is lowered once back this long (= reps.settle_s)",
    )
    side_min_deg: float = Field(
        default=1.0,
        gt=0,
        description="a one-sided hold's side needs a turn this large about its axis, deg",
    )
    side_min_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="... and this share of the whole turn from rest (dsp.detectors.sides)",
    )
    tick_s: float = Field(default=1.0, gt=0, description="hold_tick period (issue 4: 1 Hz)")
    tremor_band_hz: tuple[float, float] = Field(
        default=(3.0, 12.0), description="tremor band, Hz (issue 4)"
    )


class RepSettings(BaseModel):
    """Rep counter and exercise naming (``docs/detectors.md`` gives the reasoning).

    Angles are the pelvis's turn from its rest orientation. ``start_deg`` is 10-40x the rest
    noise of the fused orientation (~0.05-0.2 deg) and above breathing (< 1 deg);
    ``min_rom_deg``: smaller excursions are fidgets, not reps. Standing, walking moves the
    pelvis 2-4 deg (gait obliquity/tilt, Perry 1992) and sitting down leans it 15-25 deg, so
    standing reps must pass the flexion-episode threshold (``upright_min_rom_deg`` = 30, the
    ``dsp.flexion`` threshold). ``return_fraction`` with re-arm near rest is the hysteresis.
    ``partial_fraction``: a rep under this fraction of the set's median range is a partial rep
    and not counted. ``set_gap_s``: longer than the rest between reps in the seed routines
    (holds of 3 s plus a breath), shorter than a rest between sets.
    ``side_min_deg`` / ``side_min_share``: as the holds' (``dsp.detectors.sides``): a roll
    that clearly tells a side; a set whose reps all rolled to one side ends when one rolls
    to the other (the per-side exercise moved to the other side).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    start_deg: float = Field(default=2.0, gt=0, description="excursion start, lying, deg")
    min_rom_deg: float = Field(default=3.0, gt=0, description="smallest rep, lying, deg")
    upright_start_deg: float = Field(default=10.0, gt=0, description="excursion start, deg")
    upright_min_rom_deg: float = Field(default=30.0, gt=0, description="= dsp.flexion threshold")
    return_fraction: float = Field(default=0.3, gt=0, lt=0.65, description="of the peak")
    settled_return_fraction: float = Field(
        default=0.5, gt=0, lt=1, description="back below this of the peak and steady: returned"
    )
    partial_fraction: float = Field(default=0.5, gt=0, le=1, description="of the set's median")
    set_gap_s: float = Field(default=10.0, gt=0, description="no rep this long ends the set")
    settle_s: float = Field(default=0.5, gt=0, description="steady this long = a rest")
    steady_deg: float = Field(
        default=1.0, gt=0, description="orientation change within settle_s that is steady"
    )
    rest_capture_s: float = Field(
        default=2.0, gt=0, description="after a rep, steady this long away from rest = new rest"
    )
    lying_min_component: float = Field(
        default=0.7,
        gt=0,
        lt=1,
        description="rest with |up . forward| above this is lying (= posture setting)",
    )
    look_back_s: float = Field(
        default=8.0, gt=0, description="history searched for the rest at a posture change"
    )
    arrive_deg: float = Field(
        default=30.0, gt=0, description="farther than this from now: not yet in the posture"
    )
    flap_s: float = Field(
        default=4.0,
        gt=0,
        description="a posture left and re-entered within this, mid-excursion, is one rep",
    )
    max_excursion_s: float = Field(default=20.0, gt=0, description="longer is not a rep")
    preroll_s: float = Field(default=1.0, gt=0, description="samples kept before a start")
    bridge_min_deg: float = Field(
        default=12.0, gt=0, description="supine extension above this is a bridge, else a tilt"
    )
    roll_ratio: float = Field(
        default=0.6, gt=0, description="roll >= this x pitch: an alternating (roll) exercise"
    )
    single_leg_roll_deg: float = Field(
        default=2.5, gt=0, description="a bridge rolling this much is single-leg"
    )
    fire_hydrant_roll_deg: float = Field(
        default=6.5, gt=0, description="hands and knees roll above this: fire hydrant"
    )
    side_min_deg: float = Field(
        default=1.0, gt=0, description="a rep's roll this large tells its side (= holds')"
    )
    side_min_share: float = Field(
        default=0.3, ge=0, le=1, description="... and this share of its range (= holds')"
    )
    prone_extension_min_deg: float = Field(
        default=8.0, gt=0, description="prone extension above this: trunk extension"
    )
    toe_touch_min_deg: float = Field(
        default=70.0, gt=0, description="standing flexion above this: toe touch"
    )


class DetectorSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    zones: FlexionZoneSettings = Field(default_factory=FlexionZoneSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    holds: HoldSettings = Field(default_factory=HoldSettings)
    reps: RepSettings = Field(default_factory=RepSettings)
