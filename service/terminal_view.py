"""A live terminal display: one line per thing that happened, the angle on a live line.

Posture changes, holds (start, a progress line every few seconds, end), reps, sets and alerts
are printed as they happen. The trunk angle is redrawn in place (``\\r``) on a terminal; when
the output is a file or a pipe it is printed every ``angle_every_s`` seconds instead, so logs
stay short.
"""

from __future__ import annotations

from typing import TextIO

from dsp.events import (
    AngleEvent,
    Event,
    FlexionAlertEvent,
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    RepEvent,
    SetEndedEvent,
)
from service.formatting import event_text

HOLD_TICK_EVERY_S = 5.0
"""Print a hold's progress every this many seconds of the hold (ticks come every second)."""


class TerminalView:
    """``view(event)`` prints ``event``; ``view.close()`` ends the live line."""

    def __init__(self, out: TextIO, *, live: bool | None = None, angle_every_s: float = 5.0):
        self.out = out
        self.live = out.isatty() if live is None else live
        self.angle_every_s = angle_every_s
        self._next_angle_t_s = float("-inf")
        self._live_line = False
        self.lines = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, AngleEvent):
            self._angle(event)
            return
        text = self._text(event)
        if text is None:
            return
        if self._live_line:
            self.out.write("\r\x1b[K")
            self._live_line = False
        self.out.write(text + "\n")
        self.out.flush()
        self.lines += 1

    def _text(self, event: Event) -> str | None:
        head = f"{event.t:9.2f} s "
        match event:
            case HoldStartedEvent():
                side = f" ({event.side})" if event.side else ""
                return (
                    f"{head}  HOLD  {event.exercise}{side} started, target {event.target_s:.0f} s"
                )
            case HoldTickEvent():
                if int(event.elapsed_s) % int(HOLD_TICK_EVERY_S):
                    return None
                return (
                    f"{head}  HOLD  {event.exercise} {event.elapsed_s:.0f} / {event.target_s:.0f} s"
                )
            case HoldEndedEvent():
                verdict = "target reached" if event.completed else f"stopped ({event.reason})"
                return (
                    f"{head}  HOLD  {event.exercise} ended after {event.duration_s:.1f} s: "
                    f"{verdict}"
                )
            case RepEvent():
                flag = "  (flagged: repeated flexion)" if event.flagged else ""
                return (
                    f"{head}  REP   {event.exercise} #{event.index}, range "
                    f"{event.rom_deg:.0f} deg{flag}"
                )
            case SetEndedEvent():
                return f"{head}  SET   {event.exercise}: {event.count} reps"
            case FlexionAlertEvent():
                what = (
                    f"{event.count} bends in {event.window_s:.0f} s"
                    if event.reason == "repeated"
                    else f"bent for {event.window_s:.0f} s"
                )
                return (
                    f"{head}  ALERT {event.reason} flexion: {what} beyond "
                    f"{event.threshold_deg:.0f} deg"
                )
            case _:
                return event_text(event)

    def _angle(self, event: AngleEvent) -> None:
        flex = "  -" if event.flexion_deg is None else f"{event.flexion_deg:5.0f}"
        text = (
            f"{event.t:9.2f} s  angle           flexion {flex} deg  tilt {event.tilt_deg:4.0f} deg"
        )
        if self.live:
            self.out.write("\r\x1b[K" + text)
            self.out.flush()
            self._live_line = True
        elif event.t >= self._next_angle_t_s:
            self._next_angle_t_s = event.t + self.angle_every_s
            self.out.write(text + "\n")
            self.out.flush()

    def close(self) -> None:
        if self._live_line:
            self.out.write("\n")
            self.out.flush()
            self._live_line = False
