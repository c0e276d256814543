"""Stamping a sensor's events with ``seq`` and ``id``, in the order the chain decided them.

Ids: a hash of session and sensor, then the sequence number. Unique per session and sensor,
the same on every replay of the same recording, and cheap (a UUID per angle event cost more
than the whole filter chain). Angle events wait as plain tuples and become models only here.

Two additions for guided routines (``dsp.routines``): the side the chain was told (holds and
reps of the told exercise that the chain could not side carry it), and an ``observer`` that
sees each stamped event (but angles) and whose events follow it at once, in ``seq``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from dsp.events import (
    AngleEvent,
    Event,
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    RepEvent,
    Side,
)

# (t, flexion, lateral, tilt): angle events before they are stamped.
AngleRow = tuple[float, float | None, float | None, float]
Pending = list[tuple[int, int, Event | AngleRow]]  # (sample index in batch, rank, event)
Observer = Callable[[Event], Sequence[Event]]
_SIDED = (HoldStartedEvent, HoldTickEvent, HoldEndedEvent, RepEvent)


class Stamper:
    def __init__(self, sensor: str, session_id: str) -> None:
        self.sensor = sensor
        self.seq = 0
        digest = hashlib.sha1(f"{session_id}/{sensor}".encode(), usedforsecurity=False)
        self.id_prefix = digest.hexdigest()[:16]
        self.told: tuple[str, Side] | None = None  # exercise, side
        self.observer: Observer | None = None

    def stamp(self, out: Pending) -> list[Event]:
        out.sort(key=lambda item: (item[0], item[1]))
        stamped: list[Event] = []
        # Plain validation, not model_construct: pydantic-core validates these few floats faster
        # than model_construct's pure-Python path, and the angle events are most of the stream.
        make_angle = AngleEvent
        for _, _, event in out:
            self.seq += 1
            event_id = f"{self.id_prefix}-{self.seq}"
            if isinstance(event, tuple):
                t, flexion, lateral, tilt = event
                stamped.append(
                    make_angle(
                        t=t,
                        sensor=self.sensor,
                        seq=self.seq,
                        id=event_id,
                        type="angle",
                        flexion_deg=flexion,
                        lateral_deg=lateral,
                        tilt_deg=tilt,
                    )
                )
                continue
            update: dict[str, object] = {"seq": self.seq, "id": event_id}
            told = self.told
            sided = isinstance(event, _SIDED) and event.side is None
            if told is not None and sided and getattr(event, "exercise", None) == told[0]:
                update["side"] = told[1]
            done = event.model_copy(update=update)
            stamped.append(done)
            if self.observer is not None:
                for extra in self.observer(done):
                    self.seq += 1
                    extra_id = f"{self.id_prefix}-{self.seq}"
                    stamped.append(extra.model_copy(update={"seq": self.seq, "id": extra_id}))
        return stamped
