"""Stamping a sensor's events with ``seq`` and ``id``, in the order the chain decided them.

Ids: a hash of session and sensor, then the event's number among the non-angle events (angles
are numbered apart, ``a<n>``), so an event has the same id with and without angle events.
Unique per session and sensor, the same on every replay of the same recording, and cheap (a
UUID per angle event cost more than the filter chain). Angle events wait as plain tuples and
become models only here.

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
        self.number = 0  # non-angle events so far: the n of their ids
        self.angle_number = 0  # angle events so far: the n of theirs (``a<n>``)
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
            if isinstance(event, tuple):
                self.angle_number += 1
                event_id = f"{self.id_prefix}-a{self.angle_number}"
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
            self.number += 1
            event_id = f"{self.id_prefix}-{self.number}"
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
                    self.number += 1
                    extra_id = f"{self.id_prefix}-{self.number}"
                    stamped.append(extra.model_copy(update={"seq": self.seq, "id": extra_id}))
        return stamped
