"""The rep counter: each excursion that returns is judged, named, counted into a set.

An excursion comes from :class:`dsp.detectors.excursion.ExcursionTracker` with its shape:
peak angle from rest, pitch (+ forward flexion), roll about the long axis, and movement
times. A rep needs a stable posture (the tracker starts over at every posture change, so
lying down, getting up and rolling over never count) and at least ``min_rom_deg`` of range
(``upright_min_rom_deg`` standing, and only forward, measured from vertical: walking,
sitting down and standing up stay below it).

Naming with no exercise given (``docs/detectors.md`` has the table and its limits):
supine: forward = sit-up; mostly roll = dead bug; extension >= ``bridge_min_deg`` = bridge
(single-leg when it also rolls), smaller = pelvic tilt. Hands and knees: mostly roll = bird
dog, or fire hydrant when the roll passes ``fire_hydrant_roll_deg``. Prone: extension =
trunk extension, mostly roll = straight-leg lift. Standing: forward flexion = toe touch
(deep) or forward bend. Anything else counts as ``unknown``. On a side nothing counts: the
side plank is a hold.

With no exercise given, a set needs two reps that are the same movement and take a similar
time: the first is reported (with the decision time of the second) once the second confirms
the rhythm; a lone excursion is no rep. Same movement = named alike, or a forward bend and a
toe touch (one movement, named by depth: bends that deepen as a person warms up are one set).

A returned excursion is judged once the body has been back at rest for ``settle_s`` (or the
next one came back, or ``flap_s`` passed); a posture change before that makes it part of a
transition (the forward lean that starts lying down), not a rep.

A set ends after ``set_gap_s`` without a rep, ``flap_s`` after a posture change (unless the
posture comes back mid-excursion: a sit-up's top reads "upright"), at a gap, an exercise
change or the end of the session. A rep under ``partial_fraction`` of the set's median range is a
partial rep: not counted, unless it names as a different exercise and the next rep is
small too: then the two start a new set (pelvic tilts after bridges, without a pause).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dsp.detectors.exercises import FLAGGED, HOLD_ONLY
from dsp.detectors.frame import POSTURE_CODE, Frame
from dsp.detectors.happenings import PostureChanged, Returned
from dsp.detectors.reference import Shape, angle_from_deg
from dsp.detectors.settings import RepSettings
from dsp.detectors.sides import turn_side
from dsp.events import Event, RepEvent, SetEndedEvent, Side
from firmware_protocol.samples import FloatArray

Found = list[tuple[int, Event]]

ALTERNATING = frozenset(
    {"dead_bug", "bird_dog", "fire_hydrant", "straight_leg_lift", "single_leg_bridge"}
)
#: Done one side at a time, each rep rolling the pelvis toward its side (per-side sets).
ONE_SIDED = frozenset({"isometric_hip_flexion"})


@dataclass
class _Set:
    t_start: float
    names: list[str] = field(default_factory=list)
    roms: list[float] = field(default_factory=list)
    last_t: float = 0.0
    pending: RepEvent | None = None  # auto mode: the first rep waits for a second
    first_way: tuple[float, float] = (0.0, 0.0)  # (pitch, |roll|) of the first rep
    candidate: tuple[Returned, str] | None = None  # a small, differently named rep
    sides: list[Side | None] = field(default_factory=list)  # each rep's clear roll side
    switch: tuple[Returned, str] | None = None  # a full-size rep named as another movement

    def one_side(self) -> Side | None:
        return _one_side(self.sides)

    @property
    def exercise(self) -> str:
        return _label(self.names, self.sides)

    def label_of(self, name: str, side: Side | None) -> str:
        """What one more rep named ``name``, rolling to ``side``, is on its own in this set."""
        return _label([name], [*self.sides, side])


def _one_side(sides: list[Side | None]) -> Side | None:
    """The side every rep rolled to, when there are two or more and all agree."""
    if len(sides) < 2 or sides[0] is None:
        return None
    return sides[0] if all(x == sides[0] for x in sides) else None


def _label(names: list[str], sides: list[Side | None]) -> str:
    """A set's name: its reps' most common name, except that a small movement lying on the
    back with every rep rolling clearly to the same side is neither a dead bug (whose arms
    and legs take turns) nor a pelvic tilt (both sides alike) but a one-sided push, the
    isometric hip flexion."""
    counts = Counter(names)
    best = max(counts.values())
    name = next(n for n in names if counts[n] == best)
    if name in ("dead_bug", "pelvic_tilt") and _one_side(sides) is not None:
        return "isometric_hip_flexion"
    return name


#: Names that are one movement cut by depth alone: a toe touch is a forward bend past
#: ``toe_touch_min_deg``. A person warming up bends deeper with each rep (60, 75, 90 deg)
#: without doing another exercise, so the two names make one rhythm.
MOVEMENT: dict[str, str] = {"toe_touch": "standing_flexion", "forward_bend": "standing_flexion"}


def _movement(name: str) -> str:
    return MOVEMENT.get(name, name)


def _way(d: Returned) -> tuple[float, float]:
    """Which way an excursion went: (pitch, |roll|) at its peak. The roll's sign is the side,
    and alternating exercises change it every rep."""
    return d.shape.pitch_deg, abs(d.shape.roll_deg)


def same_way(a: tuple[float, float], b: tuple[float, float], max_deg: float = 45.0) -> bool:
    """Two excursions went the same way (within ``max_deg``): the reps of one exercise do;
    fidgeting between sets (random small turns, no two alike) mostly does not."""
    dot = a[0] * b[0] + a[1] * b[1]
    norm = float(np.hypot(*a) * np.hypot(*b))
    return norm > 0 and dot >= norm * float(np.cos(np.radians(max_deg)))


def _alike(first: RepEvent, name: str, d: Returned) -> bool:
    """Two excursions make a rhythm when they are the same movement (named alike, or the
    same movement to another depth) and take a similar time (within a factor of two: a
    14 s stretch is not the first rep of 3 s dead bugs)."""
    duration = max(1e-3, d.shape.t_back - d.shape.t_leave)
    ratio = max(1e-3, first.duration_s) / duration
    return _movement(first.exercise) == _movement(name) and 0.5 <= ratio <= 2.0


class RepCounter:
    def __init__(self, settings: RepSettings, sensor: str) -> None:
        self.settings = settings
        self.sensor = sensor
        self.current: _Set | None = None
        self.pending_close = False
        self._close_at: float | None = None  # posture left: the set ends then unless it returns
        # The last excursion back, not yet judged: (decision, time back, exercise then).
        self._held: tuple[Returned, float, str | None] | None = None
        self._back_since: float | None = None  # back at rest since (held excursion)
        self.ignore_span_s: tuple[float, float] | None = None  # the calibration bend

    def name(self, shape: Shape, code: int, exercise: str | None) -> str | None:
        """The exercise an excursion was, or ``None`` when it is not a rep at all."""
        s = self.settings
        upright = code == POSTURE_CODE["upright"]
        if code in (POSTURE_CODE["side_left"], POSTURE_CODE["side_right"]):
            return None
        if shape.peak_deg < (s.upright_min_rom_deg if upright else s.min_rom_deg):
            return None
        if upright and shape.flexion_deg < s.upright_min_rom_deg:
            # Standing up from a chair leans ~25 deg forward of vertical but more than 30 deg
            # from the sitting rest: a standing rep must be a real forward bend from vertical.
            return None
        if exercise is not None:  # the caller checked the posture is the exercise's
            return None if exercise in HOLD_ONLY else exercise
        pitch, roll = shape.pitch_deg, abs(shape.roll_deg)
        rolling = roll >= s.roll_ratio * abs(pitch)
        if upright:
            if pitch <= 0:
                return None
            return "toe_touch" if shape.peak_deg >= s.toe_touch_min_deg else "forward_bend"
        if code == POSTURE_CODE["supine"]:
            if pitch > 0 and not rolling:
                return "sit_up"
            if rolling:
                return "dead_bug"
            if -pitch >= s.bridge_min_deg:
                return "single_leg_bridge" if roll >= s.single_leg_roll_deg else "bridge"
            return "pelvic_tilt"
        if code == POSTURE_CODE["quadruped"]:
            if rolling:
                return "fire_hydrant" if roll >= s.fire_hydrant_roll_deg else "bird_dog"
            return "unknown"
        if code == POSTURE_CODE["prone"]:
            if rolling:
                return "straight_leg_lift"
            if -pitch >= s.prone_extension_min_deg:
                return "prone_trunk_extension"
        return "unknown"

    def update(
        self,
        frame: Frame,
        decisions: list[Returned | PostureChanged],
        exercise: str | None,
        in_place: Callable[[int, FloatArray | None], bool],
    ) -> Found:
        """``in_place(posture_code, rest_up)``: the known exercise is done there."""
        found: Found = []
        t = frame.t_s
        if self.pending_close and len(frame):
            found += self._confirm(0, float(t[0]))  # a new exercise does not undo a rep
            found += self._close(0, float(t[0]))
        self.pending_close = False
        i = 0
        for d in decisions:
            found += self._settle(frame, i, d.index)
            found += self._expire(t, i, d.index)
            i = d.index
            if isinstance(d, PostureChanged):
                if d.restored:
                    self._close_at = None
                else:
                    self._held = None  # out and on into another posture: a transition
                    self._back_since = None
                    if self.current is not None and self._close_at is None:
                        self._close_at = float(t[d.index]) + self.settings.flap_s
            elif in_place(d.posture_code, d.rest_up):
                found += self._confirm(d.index, float(t[d.index]))  # the next one came back
                if self._close_at is not None:
                    found += self._close(d.index, float(t[d.index]))
                self._held = (d, float(t[d.index]), exercise)
                self._back_since = None
        found += self._settle(frame, i, len(frame))
        found += self._expire(t, i, len(frame))
        return found

    def _settle(self, frame: Frame, lo: int, hi: int) -> Found:
        """Judge the held excursion on samples ``lo:hi``: it is a rep once the body has been
        back at its rest for ``settle_s`` (within the return level, at least the posture's
        start threshold), or ``flap_s`` after it came back without a posture change."""
        if self._held is None or hi <= lo:
            return []
        d, t_back, _ = self._held
        t = frame.t_s[lo:hi]
        deadline = np.flatnonzero(t >= t_back + self.settings.flap_s)
        k_end = int(deadline[0]) if deadline.size else hi - lo
        if d.rest_up is None:
            return self._confirm(lo, float(t[0]))
        s = self.settings
        start = s.upright_start_deg if d.posture_code == POSTURE_CODE["upright"] else s.start_deg
        level = max(start, s.return_fraction * d.shape.peak_deg)
        back = angle_from_deg(frame.u_body[lo:hi], d.rest_up) < level
        idx = np.arange(back.shape[0])
        last_out = np.maximum.accumulate(np.where(~back, idx, -1))
        run_t0 = t[np.minimum(last_out + 1, back.shape[0] - 1)]
        if self._back_since is not None:
            run_t0 = np.where(last_out < 0, self._back_since, run_t0)
        ok = np.flatnonzero(back & (t - run_t0 >= s.settle_s))
        k = min(k_end, int(ok[0])) if ok.size else k_end
        if k < hi - lo:
            return self._confirm(lo + k, float(t[k]))
        self._back_since = float(run_t0[-1]) if back[-1] else None
        return []

    def _confirm(self, index: int, t: float) -> Found:
        """The held excursion is a rep (judged and counted now, at ``t``)."""
        if self._held is None:
            return []
        d, _, exercise = self._held
        self._held = None
        self._back_since = None
        return self._rep(d, index, t, exercise)

    def _expire(self, t: np.ndarray, lo: int, hi: int) -> Found:
        st = self.current
        if st is None or hi <= lo or self._held is not None:
            return []  # (an excursion being judged keeps the set open)
        due = st.last_t + self.settings.set_gap_s
        if self._close_at is not None:
            due = min(due, self._close_at)
        late = np.flatnonzero(t[lo:hi] >= due)
        if not late.size:
            return []
        k = lo + int(late[0])
        return self._close(k, float(t[k]))

    def _rep(self, d: Returned, index: int, t: float, exercise: str | None) -> Found:
        span = self.ignore_span_s
        if span is not None and d.shape.t_leave <= span[1] and d.shape.t_back >= span[0]:
            return []  # the calibration bend
        name = self.name(d.shape, d.posture_code, exercise)
        if name is None:
            return []
        st = self.current
        if st is None or d.shape.peak_deg >= self.settings.partial_fraction * float(
            np.median(st.roms)
        ):
            if st is not None:
                st.candidate = None  # the small one before was a partial rep after all
            if st is not None and exercise is None:
                return self._switch(st, d, name, index, t)
            return self._count(d, name, index, t, exercise)
        # Smaller than half the set's range: a partial rep, unless it is the start of another,
        # smaller exercise (it names differently, and the next one is small too).
        st.last_t = t  # the set goes on either way
        if st.candidate is None:
            if name != st.exercise:
                st.candidate = (d, name)
            return []
        first, first_name = st.candidate
        found = self._close(index, t)
        found += self._count(first, first_name, index, t, exercise)
        found += self._count(d, name, index, t, exercise)
        return found

    def _count(self, d: Returned, name: str, index: int, t: float, exercise: str | None) -> Found:
        """Count ``d`` (decided now, at sample ``index``, time ``t``) into the current set, or a
        new one."""
        rom = d.shape.peak_deg
        st = self.current
        found: Found = []
        if (
            st is not None
            and st.pending is not None
            and not (_alike(st.pending, name, d) and same_way(st.first_way, _way(d)))
        ):
            st = self.current = None  # the lone excursion before was something else
        elif st is not None and exercise is None and not same_way(st.first_way, _way(d)):
            # Not told the exercise, and this one went another way than the set's reps: not
            # one of them (fidgeting after a set). The set ends; this may start another.
            found += self._close(index, t)
            st = None
        elif st is not None and exercise is None and self._side_changed(st, d):
            # Every rep so far rolled to one side and this one to the other: a per-side
            # exercise moved to the other side, a new set (alternating ones never get here:
            # their first two reps already disagree).
            found += self._close(index, t)
            st = None
        if st is None:
            st = self.current = _Set(t_start=round(d.shape.t_leave, 4), first_way=_way(d))
        st.sides.append(self._roll_side(d))
        st.names.append(name)
        st.roms.append(rom)
        st.last_t = t
        label = st.exercise
        side: Side | None = None
        if label in ALTERNATING and d.shape.roll_deg != 0.0:
            side = "right" if d.shape.roll_deg > 0 else "left"
        elif label in ONE_SIDED:
            side = self._roll_side(d)
        event = RepEvent(
            t=t,
            sensor=self.sensor,
            index=len(st.names),
            exercise=label,
            side=side,
            rom_deg=round(rom, 2),
            duration_s=round(max(0.0, d.shape.t_back - d.shape.t_leave), 3),
            top_hold_s=round(max(0.0, d.shape.t_depart - d.shape.t_arrive), 3),
            t_start=round(d.shape.t_leave, 4),
            flagged=label in FLAGGED,
        )
        if exercise is None and len(st.names) == 1:
            # Not told the exercise: one excursion is not yet a rhythm (getting off the floor,
            # settling after a stretch). The first rep is reported with the second.
            st.pending = event
            return found
        if st.pending is not None:
            first = st.pending.model_copy(
                update={
                    "t": t,
                    "exercise": label,
                    "side": st.sides[0] if label in ONE_SIDED else st.pending.side,
                }
            )
            found.append((index, first))
            st.pending = None
        found.append((index, event))
        return found

    def _roll_side(self, d: Returned) -> Side | None:
        """The side an excursion clearly rolled to (``dsp.detectors.sides``), else ``None``."""
        s = self.settings
        roll = d.shape.roll_deg
        if abs(roll) >= s.single_leg_roll_deg:  # the roll that already makes a bridge one-legged
            return "right" if roll > 0 else "left"
        return turn_side(roll, d.shape.peak_deg, s.side_min_deg, s.side_min_share)

    def _side_changed(self, st: _Set, d: Returned) -> bool:
        side = st.one_side()
        new = self._roll_side(d)
        return st.pending is None and side is not None and new is not None and new != side

    def _switch(self, st: _Set, d: Returned, name: str, index: int, t: float) -> Found:
        """Not told the exercise: a full-size rep named as another movement than the set's
        waits for the next. Named alike again, the two start a new set (bird dogs, then fire
        hydrants without a pause); otherwise it was one odd rep of this set, counted now."""
        if st.pending is not None or len(st.names) < 2:
            return self._count(d, name, index, t, None)
        mine = _movement(st.exercise)
        own = _movement(st.label_of(name, self._roll_side(d)))
        if st.switch is None:
            if own == mine:
                return self._count(d, name, index, t, None)
            st.switch = (d, name)
            st.last_t = t
            return []
        held, held_name = st.switch
        st.switch = None
        if own == _movement(st.label_of(held_name, self._roll_side(held))) != mine:
            found = self._close(index, t)
            found += self._count(held, held_name, index, t, None)
            return found + self._count(d, name, index, t, None)
        found = self._count(held, held_name, index, t, None)
        return found + self._count(d, name, index, t, None)

    def _close(self, index: int, t: float) -> Found:
        if self.current is not None and self.current.switch is not None:
            held, held_name = self.current.switch  # the set ended on one odd rep: it counts
            self.current.switch = None
            return self._count(held, held_name, index, t, None) + self._close(index, t)
        st = self.current
        self._close_at = None
        self.current = None
        if st is None or st.pending is not None:
            return []  # nothing, or a lone excursion never confirmed as a rep
        event = SetEndedEvent(
            t=t, sensor=self.sensor, exercise=st.exercise, count=len(st.names), t_start=st.t_start
        )
        return [(index, event)]

    def close(self, t_s: float) -> list[Event]:
        """Gap or end of session: the open set ends (a rep is never invented across a gap).
        An excursion that came back before it is a rep: it did not go on into a posture."""
        return [e for _, e in self._confirm(0, t_s) + self._close(0, t_s)]
