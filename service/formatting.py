"""Turning events into lines: JSON (the machine contract) or text for people."""

from __future__ import annotations

from dsp.events import (
    AngleEvent,
    CalibratedEvent,
    Event,
    FlexionAlertEvent,
    FlexionEvent,
    PostureEvent,
    SensorStatusEvent,
    SessionSummaryEvent,
)
from service.routine_text import routine_text


def event_json(event: Event) -> str:
    return event.model_dump_json()


def event_text(event: Event) -> str:
    """One short line a person can read while exercising."""
    head = f"{event.t:9.2f} s  {event.type:<15}"
    if event.type.startswith("routine_"):
        return routine_text(event) or head
    match event:
        case AngleEvent():
            flex = "  -  " if event.flexion_deg is None else f"{event.flexion_deg:6.1f}"
            lat = "  -  " if event.lateral_deg is None else f"{event.lateral_deg:6.1f}"
            return f"{head} flexion {flex} deg  lateral {lat} deg  tilt {event.tilt_deg:5.1f} deg"
        case PostureEvent():
            return f"{head} {event.posture} (was {event.previous})"
        case FlexionEvent():
            return (
                f"{head} forward bend to {event.depth_deg:.0f} deg "
                f"({event.t_start:.2f}-{event.t_end:.2f} s)"
            )
        case CalibratedEvent():
            how = "from --up/--forward" if event.method == "explicit" else "automatically"
            what = "up and forward" if event.stage == "complete" else "up (bend forward once)"
            return f"{head} learned {what} {how}"
        case FlexionAlertEvent() if event.reason == "repeated":
            return (
                f"{head} WARNING {event.count} forward bends deeper than "
                f"{event.threshold_deg:.0f} deg within {event.window_s:.0f} s"
            )
        case FlexionAlertEvent():
            return (
                f"{head} WARNING bent beyond {event.threshold_deg:.0f} deg for "
                f"{event.window_s:.0f} s"
            )
        case SessionSummaryEvent():
            reps = ", ".join(f"{k}: {'+'.join(map(str, v))}" for k, v in event.reps.items())
            zones = ", ".join(f"{k} {v:.0f} s" for k, v in event.time_in_zone_s.items())
            deepest = "-" if event.deepest_bend_deg is None else f"{event.deepest_bend_deg:.0f}"
            return (
                f"{head} {event.duration_s:.0f} s; reps {reps or 'none'}; "
                f"{len(event.holds)} holds; {event.bends} bends (deepest {deepest} deg); "
                f"zones {zones}; alerts {sum(event.alerts.values())}"
            )
        case SensorStatusEvent():
            extra = {
                "gap": f"{event.gap_s} s without samples",
                "battery": f"battery {event.battery_pct} %",
                "decode_errors": f"{event.malformed_total} malformed payloads so far",
            }.get(event.status, event.detail)
            return f"{head} {event.status} {extra}".rstrip()
        case _:
            fields = event.model_dump(exclude={"t", "sensor", "seq", "id", "type"})
            return f"{head} " + " ".join(f"{k}={v}" for k, v in fields.items())
