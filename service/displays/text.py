"""Events as sentences a person reads while exercising (``holdfast replay``, the terminal).

Times are minutes:seconds since the session started; angles and seconds are rounded: nobody
mid side-plank needs a tenth of a degree. ``holdfast replay --format jsonl`` is the place for
exact numbers.
"""

from __future__ import annotations

from dsp.events import (
    AngleEvent,
    CalibratedEvent,
    Event,
    FlexionAlertEvent,
    FlexionEvent,
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    PostureEvent,
    RepEvent,
    SensorStatusEvent,
    SessionSummaryEvent,
    SetEndedEvent,
)
from service.displays.routine_view import routine_sentence

HOLD_TICK_EVERY_S = 5
"""A hold's progress is told every this many seconds (ticks come every second)."""

POSTURE_WORDS = {
    "upright": "upright (standing or sitting)",
    "supine": "lying on your back",
    "prone": "lying face down",
    "side_left": "lying on your left side",
    "side_right": "lying on your right side",
    "quadruped": "on hands and knees",
    "unknown": "not known yet",
}

ZONE_WORDS = {"neutral": "upright or slightly bent", "moderate": "bent", "severe": "bent far"}


def clock(t_s: float) -> str:
    """``t_s`` seconds as ``m:ss`` (``h:mm:ss`` past an hour)."""
    whole = max(0, round(t_s))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def duration(seconds: float) -> str:
    """``75`` -> ``1 min 15 s``; under a minute just seconds."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    m, s = divmod(whole, 60)
    return f"{m} min {s} s" if s else f"{m} min"


def held(seconds: float) -> str:
    """How long a hold lasted: tenths matter for a 3 s hold, not for a minute."""
    return f"{seconds:.1f} s" if seconds < 10 else duration(seconds)


def exercise_name(name: str, side: str | None = None) -> str:
    words = name.replace("_", " ")
    words = words[:1].upper() + words[1:]
    return f"{words} ({side})" if side else words


def sentence(event: Event) -> str | None:
    """What happened, in one sentence; ``None`` for what a person need not read (angles,
    hold ticks between the every-5-s ones)."""
    if event.type.startswith("routine_"):
        return routine_sentence(event)
    match event:
        case AngleEvent():
            return None
        case HoldTickEvent():
            if round(event.elapsed_s) % HOLD_TICK_EVERY_S:
                return None
            return (
                f"{exercise_name(event.exercise, event.side)}: {event.elapsed_s:.0f} of "
                f"{event.target_s:.0f} s."
            )
        case HoldStartedEvent():
            return (
                f"{exercise_name(event.exercise, event.side)} hold started, "
                f"target {event.target_s:.0f} s."
            )
        case HoldEndedEvent():
            what = exercise_name(event.exercise, event.side)
            if event.completed:
                return f"{what} held {held(event.duration_s)}: target reached."
            reason = {"lowered": "lowered", "moved": "moved", "signal_lost": "signal lost"}.get(
                event.reason, "session ended"
            )
            return f"{what} held {held(event.duration_s)} of {event.target_s:.0f} s, then {reason}."
        case RepEvent():
            flag = " That is a repeated forward bend." if event.flagged else ""
            return (
                f"{exercise_name(event.exercise, event.side)} rep {event.index} "
                f"(range {event.rom_deg:.0f}°).{flag}"
            )
        case SetEndedEvent():
            reps = "rep" if event.count == 1 else "reps"
            return f"{exercise_name(event.exercise)}: set of {event.count} {reps} done."
        case FlexionAlertEvent():
            return f"WARNING: {alert_words(event)}"
        case _:
            return _foundation(event)


def alert_words(event: FlexionAlertEvent) -> str:
    if event.reason == "repeated":
        return (
            f"{event.count} forward bends deeper than {event.threshold_deg:.0f}° within "
            f"{event.window_s:.0f} s. Stand up straight and take a break."
        )
    return f"bent beyond {event.threshold_deg:.0f}° for {event.window_s:.0f} s. Straighten up."


def _foundation(event: Event) -> str:
    match event:
        case PostureEvent():
            return f"Now {POSTURE_WORDS.get(event.posture, event.posture)}."
        case FlexionEvent():
            return f"Forward bend to {event.depth_deg:.0f}°."
        case CalibratedEvent():
            how = "from --up/--forward" if event.method == "explicit" else "automatically"
            if event.stage == "complete":
                return f"Calibrated {how}: learned up and forward."
            return "Learned which way is up; now bend forward once."
        case SensorStatusEvent():
            return _status(event)
        case SessionSummaryEvent():
            return summary_sentence(event)
        case _:
            fields = event.model_dump(exclude={"t", "sensor", "seq", "id", "type"})
            return f"{event.type}: " + ", ".join(f"{k} {v}" for k, v in fields.items())


def _status(event: SensorStatusEvent) -> str:
    match event.status:
        case "connected":
            return "Sensor connected."
        case "disconnected":
            return f"Sensor disconnected{': ' + event.detail if event.detail else ''}."
        case "gap":
            gap = f" for {event.gap_s:.1f} s" if event.gap_s is not None else ""
            return f"No data from the sensor{gap}."
        case "battery":
            return f"Battery {event.battery_pct} %."
        case _:
            return f"{event.malformed_total} damaged messages from the sensor so far."


def summary_sentence(event: SessionSummaryEvent) -> str:
    parts = []
    for name, sets in event.reps.items():
        total = sum(sets)
        how = f"{total} reps" if len(sets) == 1 else f"{total} reps in {len(sets)} sets"
        parts.append(f"{exercise_name(name).lower()} {how}")
    holds = len(event.holds)
    if holds:
        done = sum(1 for h in event.holds if h.get("completed"))
        parts.append(f"{holds} hold{'s' if holds != 1 else ''} ({done} reached the target)")
    deepest = (
        f" (deepest {event.deepest_bend_deg:.0f}°)" if event.deepest_bend_deg is not None else ""
    )
    parts.append(f"{event.bends} forward bend{'s' if event.bends != 1 else ''}{deepest}")
    alerts = sum(event.alerts.values())
    parts.append(f"{alerts} warning{'s' if alerts != 1 else ''}")
    zones = ", ".join(
        f"{duration(v)} {ZONE_WORDS.get(k, k)}" for k, v in event.time_in_zone_s.items()
    )
    return f"Session ended after {duration(event.duration_s)}: {'; '.join(parts)}. Time: {zones}."


def angle_sentence(event: AngleEvent) -> str:
    if event.flexion_deg is None:
        return f"tilt {event.tilt_deg:.0f}° (forward not learned yet)"
    lateral = f", sideways {event.lateral_deg:.0f}°" if event.lateral_deg is not None else ""
    return f"flexion {event.flexion_deg:.0f}°{lateral}"


def event_line(event: Event, *, angles: bool = False) -> str | None:
    """``m:ss  sentence`` for ``event``, or ``None`` when there is nothing to say."""
    if isinstance(event, AngleEvent):
        return f"{clock(event.t):>7}  {angle_sentence(event)}" if angles else None
    text = sentence(event)
    return None if text is None else f"{clock(event.t):>7}  {text}"
