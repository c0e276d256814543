"""Every event holdfast emits, as pydantic v2 models: one module, one discriminated union.

These models ARE the public contract: ``holdfast replay --format jsonl`` prints their JSON
dump one per line, and MQTT publishes the same JSON. Fields may be added, never renamed or
removed. ``t`` is always seconds since session start (``float``); UTC wall time appears only in
recording headers and in ``session_*`` events.

Every event carries an envelope: ``type`` (the discriminator), ``t``, ``sensor`` (a sensor id),
``seq`` (per-sensor sequence number from 1 over the events emitted, no holes) and ``id``
(16 hex digits of a SHA-1 of ``"<session id>/<sensor>"``, a dash, and the event's number among
the non-angle events from 1, or ``a`` and its number among the angle events: unique, the same
on every replay of the same recording and with or without angle events, so a display can drop
duplicates). ``dsp.pipeline`` assigns ``seq`` and ``id``; stages leave them at their defaults.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from dsp.routine_records import (
    RoutineKind,
    RoutineProposal,
    RoutineStepPlan,
    RoutineStepResult,
    SetEndReason,
)

Posture = Literal["upright", "supine", "prone", "side_left", "side_right", "quadruped", "unknown"]
Side = Literal["left", "right"]


class EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    t: float = Field(description="seconds since session start")
    sensor: str = Field(description="sensor id (address or name given on the command line)")
    seq: int = Field(default=0, description="per-sensor sequence number, 1, 2, 3 ...")
    id: str = Field(default="", description="unique event id, stable across replays")


# --- foundation: calibration, posture, angles, flexion episodes ------------------------------


class CalibratedEvent(EventBase):
    """The mounting is known: which sensor directions point to the head and to the belly."""

    type: Literal["calibrated"] = "calibrated"
    method: Literal["explicit", "auto"]
    stage: Literal["complete", "up_only"] = Field(
        description="auto calibration first learns 'up' (still standing), then 'forward' "
        "(first clear tilt); flexion and lateral angles are reported once complete"
    )
    up_sensor: tuple[float, float, float] = Field(description="head direction, sensor frame")
    forward_sensor: tuple[float, float, float] | None = Field(
        description="belly direction, sensor frame; None until learned"
    )
    learned_from: Literal["bend", "lying", "rising"] | None = Field(
        default=None,
        description="auto, complete: what taught forward (a bend that came back, lying still "
        "on the floor read from the way down, or getting up from the floor, which also "
        "corrects an up first learnt on the floor); None otherwise",
    )
    backlog_s: float | None = Field(
        default=None,
        description="auto, complete: seconds of samples kept while the mounting was unknown "
        "and analysed now; their events follow with t = this decision and t_start in the past",
    )


class PostureEvent(EventBase):
    """The posture changed (emitted on change only)."""

    type: Literal["posture"] = "posture"
    posture: Posture
    previous: Posture


class AngleEvent(EventBase):
    """Trunk angles, decimated (10 Hz by default)."""

    type: Literal["angle"] = "angle"
    flexion_deg: float | None = Field(
        description="sagittal angle from upright, positive forward; None until forward is known"
    )
    lateral_deg: float | None = Field(
        description="side bend, positive toward the person's right; None until forward is known"
    )
    tilt_deg: float = Field(description="total angle between trunk axis and vertical")


class FlexionEvent(EventBase):
    """One forward-flexion episode: the trunk went beyond the threshold and came back.

    ``baseline_deg`` is the flexion angle of the posture the movement started from (0 when
    standing, about -90 when lying on the back): a sit-up is a forward flexion from -90.
    ``peak_deg`` is the largest flexion angle reached, ``depth_deg`` = peak - baseline.
    """

    type: Literal["flexion"] = "flexion"
    t_start: float
    t_end: float
    peak_deg: float
    baseline_deg: float = 0.0
    depth_deg: float = 0.0


# --- sensor health ---------------------------------------------------------------------------


class SensorStatusEvent(EventBase):
    """Link and data health: connection changes, gaps, dropped bytes, battery."""

    type: Literal["sensor_status"] = "sensor_status"
    status: Literal[
        "connected",
        "disconnected",
        "gap",
        "decode_errors",
        "battery",
        "data_lost",
        "device_message",
    ] = Field(
        description="data_lost: the sensor or the link lost or dropped data (detail says what, "
        "lost_count how much); device_message: something the device said that needs no "
        "action (a reply, a message not for us), in detail"
    )
    gap_s: float | None = Field(default=None, description="length of a gap in the samples")
    malformed_total: int | None = Field(
        default=None, description="payload runs dropped as malformed since the session started"
    )
    battery_pct: int | None = None
    lost_count: int | None = Field(
        default=None, description="data_lost: packets or samples lost, where known"
    )
    detail: str = ""


# --- detectors: holds, reps, sets, alerts, summary ------------------------------------------


class HoldStartedEvent(EventBase):
    type: Literal["hold_started"] = "hold_started"
    exercise: str
    side: Side | None = None
    target_s: float
    t_start: float | None = Field(
        default=None, description="estimated time the top was reached (t is the decision)"
    )


class HoldTickEvent(EventBase):
    """Once a second while a hold lasts."""

    type: Literal["hold_tick"] = "hold_tick"
    exercise: str
    side: Side | None = None
    elapsed_s: float
    target_s: float


class HoldEndedEvent(EventBase):
    type: Literal["hold_ended"] = "hold_ended"
    exercise: str
    side: Side | None = None
    t_start: float
    duration_s: float
    target_s: float
    completed: bool
    reason: Literal["lowered", "moved", "signal_lost", "session_ended"]
    sway_deg: float = Field(description="RMS angle deviation from the hold's mean posture")
    tremor_power: float = Field(
        description="acceleration power 3-12 Hz during the hold, (m/s^2)^2; rises with fatigue"
    )


class RepEvent(EventBase):
    type: Literal["rep"] = "rep"
    index: int = Field(description="1-based index of the rep in its set")
    exercise: str
    side: Side | None = None
    rom_deg: float = Field(description="range of motion of this rep")
    duration_s: float
    top_hold_s: float = Field(description="time held at the top of the movement")
    t_start: float
    flagged: bool = Field(default=False, description="a repeated-flexion exercise")


class SetEndedEvent(EventBase):
    type: Literal["set_ended"] = "set_ended"
    exercise: str
    count: int
    t_start: float


class FlexionEpisodeRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    t_start: float
    t_end: float
    peak_deg: float


class FlexionAlertEvent(EventBase):
    type: Literal["flexion_alert"] = "flexion_alert"
    reason: Literal["repeated", "sustained"]
    count: int = Field(description="bends in the window (repeated) or 1 (sustained)")
    window_s: float = Field(description="window the count covers, or time beyond threshold")
    threshold_deg: float
    episodes: tuple[FlexionEpisodeRef, ...] = ()


class SessionSummaryEvent(EventBase):
    type: Literal["session_summary"] = "session_summary"
    duration_s: float
    reps: dict[str, list[int]] = Field(description="exercise -> rep count of each set")
    holds: list[dict[str, float | str | bool | None]] = Field(default_factory=list)
    time_in_zone_s: dict[str, float] = Field(description="neutral / moderate / severe")
    bends: int
    bends_per_hour: float
    deepest_bend_deg: float | None
    alerts: dict[str, int] = Field(description="alert reason -> count")
    malformed_total: int = 0


# --- guided routines (dsp.routines; docs/routines.md) -----------------------------------------
# Every routine event carries ``routine_id`` (16 hex digits, the same on every replay of the
# same recording with the same routine) and the routine's name, so a subscriber that joins late
# or stores sessions (the history recorder) can group them without other state.


class RoutineEventBase(EventBase):
    routine_id: str = Field(description="one run of one routine; stable across replays")
    routine: str = Field(description="routine name, e.g. beginner")


class RoutineStartedEvent(RoutineEventBase):
    """A routine starts: the whole plan, for 'now / next / done' displays and the history."""

    type: Literal["routine_started"] = "routine_started"
    title: str
    plan: tuple[RoutineStepPlan, ...]
    pain_before: int | None = Field(default=None, description="pain 0-10 before, if given")


class RoutineStepEvent(RoutineEventBase):
    """Go: a set of a step starts now (the chain is told the exercise and side)."""

    type: Literal["routine_step"] = "routine_step"
    step: int
    steps: int = Field(description="steps in the plan")
    set: int = Field(description="1-based set of this step")
    sets: int
    exercise: str
    side: Side | None = None
    kind: RoutineKind
    target: int | None
    hold_s: float | None = None
    time_s: float | None = None
    next_exercise: str | None = Field(description="what follows this set (None: the end)")
    next_side: Side | None = None


class RoutineProgressEvent(RoutineEventBase):
    """A rep or hold of the current set counted toward its target."""

    type: Literal["routine_progress"] = "routine_progress"
    step: int
    set: int
    exercise: str
    side: Side | None = None
    item: Literal["rep", "hold"]
    done: int = Field(description="reps or holds counted in this set so far")
    target: int
    short: bool = Field(description="the hold in it was shorter than hold_s (or missing)")
    held_s: float | None = Field(default=None, description="how long it was held")
    hold_s: float | None = Field(default=None, description="how long it should be held")
    message: str = Field(description="for people: 'rep 4 of 10', 'hold 2.4 s of 3 s: short'")


class RoutineSetEndedEvent(RoutineEventBase):
    """A set is over: done against the target, and why it ended."""

    type: Literal["routine_set_ended"] = "routine_set_ended"
    step: int
    set: int
    exercise: str
    side: Side | None = None
    t_start: float = Field(description="when the set was announced")
    done: int
    target: int | None
    short: int = Field(description="reps or holds that fell short of hold_s")
    held_s: tuple[float, ...] = Field(default=(), description="each hold's duration")
    reason: SetEndReason = Field(
        description="target reached, 'next' or 'skip' command, pain, idle (nothing counted "
        "for set_idle_s), time (a timed step ran out), stopped, session_ended"
    )


class RoutineRestEvent(RoutineEventBase):
    """A rest starts; the next set follows at ``t_until`` (or at its first rep or hold)."""

    type: Literal["routine_rest"] = "routine_rest"
    rest_s: float
    t_until: float
    next_step: int
    next_set: int
    next_exercise: str
    next_side: Side | None = None


class RoutinePainEvent(RoutineEventBase):
    """A pain score (0-10) was given; during a step, that exercise ends (seed: stop any
    exercise that causes sharp pain)."""

    type: Literal["routine_pain"] = "routine_pain"
    phase: Literal["before", "during", "after"]
    score: int | None = Field(description="0-10, None when only 'it hurts' was said")
    step: int | None = None
    exercise: str | None = None
    side: Side | None = None


class RoutinePainAskedEvent(RoutineEventBase):
    """The plan is done; waiting until ``t_until`` for the pain score after (a ``pain``
    command), then the routine ends."""

    type: Literal["routine_pain_asked"] = "routine_pain_asked"
    t_until: float


class RoutineEndedEvent(RoutineEventBase):
    """The routine is over: every step against its plan, pain, and the proposal."""

    type: Literal["routine_ended"] = "routine_ended"
    reason: Literal["completed", "stopped", "session_ended", "replaced"]
    t_start: float
    duration_s: float
    steps: tuple[RoutineStepResult, ...]
    steps_done: int = Field(description="steps with status done")
    pain_before: int | None = None
    pain_after: int | None = None
    pain_during: tuple[int | None, ...] = Field(default=(), description="scores given in steps")
    proposal: RoutineProposal


Event = Annotated[
    CalibratedEvent
    | PostureEvent
    | AngleEvent
    | FlexionEvent
    | SensorStatusEvent
    | HoldStartedEvent
    | HoldTickEvent
    | HoldEndedEvent
    | RepEvent
    | SetEndedEvent
    | FlexionAlertEvent
    | SessionSummaryEvent
    | RoutineStartedEvent
    | RoutineStepEvent
    | RoutineProgressEvent
    | RoutineSetEndedEvent
    | RoutineRestEvent
    | RoutinePainEvent
    | RoutinePainAskedEvent
    | RoutineEndedEvent,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_TYPES: tuple[str, ...] = (
    "calibrated",
    "posture",
    "angle",
    "flexion",
    "sensor_status",
    "hold_started",
    "hold_tick",
    "hold_ended",
    "rep",
    "set_ended",
    "flexion_alert",
    "session_summary",
    "routine_started",
    "routine_step",
    "routine_progress",
    "routine_set_ended",
    "routine_rest",
    "routine_pain",
    "routine_pain_asked",
    "routine_ended",
)


def parse_event(data: str | bytes) -> Event:
    """Parse one JSON event (a jsonl line or an MQTT payload)."""
    return EVENT_ADAPTER.validate_json(data)
