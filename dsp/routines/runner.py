"""Running a routine: a state machine from the chain's events (and commands) to routine events.

Pure and clocked only by what it is given: ``on_event`` with each of the chain's events,
``advance(t)`` as samples arrive (rests and timed steps end by time), and the commands
``next`` / ``skip`` / ``pain`` / ``stop``. Each call returns an :class:`Output`: routine events
(unstamped: the pipeline gives them ``seq`` and ``id``) and, when it changed, the context the
chain must be told (exercise, side, hold target).

Phases: ``set`` (a set is running: count its reps or holds), ``rest`` (between sets; the chain
is already told the next exercise, so a rep or hold that comes early starts the set and
counts), ``pain_after`` (the plan is done, waiting for the pain score after), ``ended``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dsp.events import (
    Event,
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    RepEvent,
    RoutineEndedEvent,
    RoutinePainAskedEvent,
    RoutinePainEvent,
    RoutineProgressEvent,
    RoutineRestEvent,
    RoutineSetEndedEvent,
    RoutineStartedEvent,
    RoutineStepEvent,
    Side,
)
from dsp.routine_records import RoutineSetResult, RoutineStepPlan, SetEndReason
from dsp.routines.counting import SetRun, counts_for, message, take
from dsp.routines.plan import RoutineSpec
from dsp.routines.progression import propose, step_result
from dsp.routines.settings import RoutineSettings
from firmware_protocol.errors import ConfigError

_RoutineEvent = (
    RoutineStartedEvent
    | RoutineStepEvent
    | RoutineProgressEvent
    | RoutineSetEndedEvent
    | RoutineRestEvent
    | RoutinePainEvent
    | RoutinePainAskedEvent
    | RoutineEndedEvent
)
Phase = Literal["idle", "set", "rest", "pain_after", "ended"]
EndReason = Literal["completed", "stopped", "session_ended", "replaced"]


@dataclass(frozen=True)
class Context:
    """What the chain is told: the exercise (``None``: recognise it), side and hold target."""

    exercise: str | None = None
    side: Side | None = None
    hold_s: float | None = None


@dataclass
class Output:
    events: list[Event] = field(default_factory=list)
    context: Context | None = None  # set when the chain must be told something new


class RoutineRunner:
    def __init__(
        self,
        spec: RoutineSpec,
        sensor: str,
        routine_id: str,
        settings: RoutineSettings | None = None,
    ) -> None:
        self.spec = spec
        self.plan = spec.plan()
        self.sensor = sensor
        self.routine_id = routine_id
        self.settings = settings or RoutineSettings()
        self.phase: Phase = "idle"
        self.t_now = 0.0
        self.t_start = 0.0
        self.step_i = 0
        self.set_no = 1
        self._run: SetRun | None = None
        self._rest_until = 0.0
        self._pain_until = 0.0
        self._sets: list[list[RoutineSetResult]] = [[] for _ in self.plan]
        self._marks: list[str | None] = [None for _ in self.plan]
        self._pain_at: list[int | None] = [None for _ in self.plan]
        self._groups = spec.groups()
        self.pain_before: int | None = None
        self.pain_after: int | None = None
        self._pain_during: list[int | None] = []
        self._out = Output()

    # --- public API ---------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.phase not in ("idle", "ended")

    @property
    def current(self) -> RoutineStepPlan:
        return self.plan[self.step_i]

    def start(self, t: float, pain_before: int | None = None) -> Output:
        self.t_now = self.t_start = t
        self.pain_before = pain_before
        self._emit(
            RoutineStartedEvent,
            title=self.spec.title or self.spec.name,
            plan=self.plan,
            pain_before=pain_before,
        )
        if pain_before is not None:
            self._emit(RoutinePainEvent, phase="before", score=pain_before)
        self._begin_set(0, 1)
        return self._flush()

    def advance(self, t: float) -> Output:
        """Time passed (the last sample's time): rests, timed steps and idle sets end."""
        self.t_now = max(self.t_now, t)
        self._tick()
        return self._flush()

    def on_event(self, event: Event) -> Output:
        """One of the chain's events (routine events and others are ignored)."""
        if not self.active:
            return Output()
        self.t_now = max(self.t_now, event.t)
        self._tick()
        if isinstance(event, RepEvent | HoldEndedEvent | HoldStartedEvent | HoldTickEvent):
            if self.phase == "rest" and counts_for(self.plan[self.step_i], event):
                self._begin_set(self.step_i, self.set_no)  # started before the rest was over
            if self.phase == "set" and counts_for(self.current, event):
                self._count(event)
        return self._flush()

    def next(self, t: float) -> Output:
        """The set is over (as it is), the rest is over, or: no pain score after."""
        self.t_now = max(self.t_now, t)
        self._require_active("next")
        if self.phase == "set":
            self._end_set("next")
        elif self.phase == "rest":
            self._begin_set(self.step_i, self.set_no)
        elif self.phase == "pain_after":
            self._end("completed")
        return self._flush()

    def skip(self, t: float) -> Output:
        """Leave out the current step (in a rest: the one coming up) and go on at once."""
        self.t_now = max(self.t_now, t)
        self._require_active("skip")
        if self.phase == "set":
            self._marks[self.step_i] = "skipped"
            self._end_set("skipped", rest=False)
        elif self.phase == "rest":
            self._marks[self.step_i] = "skipped"
            self._go_on(rest_after=None)
        elif self.phase == "pain_after":
            self._end("completed")
        return self._flush()

    def pain(self, t: float, score: int | None) -> Output:
        """Pain reported. In a set or the rest after it: that exercise ends (both sides),
        recorded with the score. After the plan: the pain score after; the routine ends."""
        self.t_now = max(self.t_now, t)
        self._require_active("pain")
        if self.phase == "pain_after":
            self.pain_after = score
            self._emit(RoutinePainEvent, phase="after", score=score)
            self._end("completed")
            return self._flush()
        # In a rest the pain is the last set's (the rest comes after it).
        hurt = self.step_i if self.phase == "set" else self._last_started()
        plan = self.plan[hurt]
        self._pain_during.append(score)
        self._pain_at[hurt] = score
        self._emit(
            RoutinePainEvent,
            phase="during",
            score=score,
            step=plan.step,
            exercise=plan.exercise,
            side=plan.side,
        )
        for i in range(hurt, len(self.plan)):  # the exercise ends: its other side too
            if self._groups[i] == self._groups[hurt] and self._marks[i] is None:
                self._marks[i] = "pain"
        if self.phase == "set":
            self._end_set("pain")
        elif self._marks[self.step_i] == "pain":  # the rest led to more of what hurt
            self._go_on(rest_after=None, keep_rest=True)
        return self._flush()

    def stop(self, t: float, reason: EndReason = "stopped") -> Output:
        self.t_now = max(self.t_now, t)
        if self.active:
            if self.phase == "set":
                self._end_set("stopped" if reason != "session_ended" else "session_ended", go=False)
            self._end(reason)
        return self._flush()

    def finish(self, t: float) -> Output:
        """The session ended."""
        if self.phase == "pain_after":
            self.t_now = max(self.t_now, t)
            self._end("completed")
            return self._flush()
        return self.stop(t, "session_ended")

    # --- counting -----------------------------------------------------------------------------

    def _count(self, event: Event) -> None:
        run, plan = self._run, self.current
        assert run is not None
        item = take(run, plan, event, self.settings.hold_tolerance)
        if item is None:
            return
        target = plan.target or 0
        self._emit(
            RoutineProgressEvent,
            step=plan.step,
            set=self.set_no,
            exercise=plan.exercise,
            side=plan.side,
            item=item.kind,
            done=run.done,
            target=target,
            short=item.short,
            held_s=item.held_s,
            hold_s=plan.hold_s,
            message=message(item, run.done, target, plan.hold_s),
        )
        if run.done >= target:
            self._end_set("target")

    def _tick(self) -> None:
        for _ in range(len(self.plan) * 2 + 4):  # each pass moves on at most one state
            t = self.t_now
            if self.phase == "rest" and t >= self._rest_until:
                self._begin_set(self.step_i, self.set_no)
            elif self.phase == "set" and self._run is not None:
                run, plan = self._run, self.current
                if plan.kind == "timed" and plan.time_s is not None:
                    if t >= run.t_start + plan.time_s:
                        self._end_set("time")
                        continue
                    return
                idle = run.last_activity_t
                if run.done > 0 and idle is not None and t - idle >= self.settings.set_idle_s:
                    self._end_set("idle")
                    continue
                return
            elif self.phase == "pain_after" and t >= self._pain_until:
                self._end("completed")
            else:
                return

    # --- moving through the plan --------------------------------------------------------------

    def _begin_set(self, i: int, set_no: int) -> None:
        self.phase, self.step_i, self.set_no = "set", i, set_no
        self._run = SetRun(t_start=self.t_now, last_activity_t=self.t_now)
        plan = self.plan[i]
        after = self._following(i, set_no)
        nxt = self.plan[after[0]] if after is not None else None
        self._context(plan)
        self._emit(
            RoutineStepEvent,
            step=plan.step,
            steps=len(self.plan),
            set=set_no,
            sets=plan.sets,
            exercise=plan.exercise,
            side=plan.side,
            kind=plan.kind,
            target=plan.target,
            hold_s=plan.hold_s,
            time_s=plan.time_s,
            next_exercise=nxt.exercise if nxt else None,
            next_side=nxt.side if nxt else None,
        )

    def _end_set(self, reason: SetEndReason, *, rest: bool = True, go: bool = True) -> None:
        run, plan = self._run, self.current
        assert run is not None
        self._run = None
        result = RoutineSetResult(
            set=self.set_no,
            done=run.done,
            short=run.short,
            held_s=tuple(run.held),
            reason=reason,
            t_start=round(run.t_start, 4),
            t_end=round(self.t_now, 4),
        )
        self._sets[self.step_i].append(result)
        self._emit(
            RoutineSetEndedEvent,
            step=plan.step,
            set=self.set_no,
            exercise=plan.exercise,
            side=plan.side,
            t_start=round(run.t_start, 4),
            done=run.done,
            target=plan.target,
            short=run.short,
            held_s=tuple(run.held),
            reason=reason,
        )
        if go:
            self._go_on(rest_after=plan if rest else None)

    def _go_on(self, rest_after: RoutineStepPlan | None, keep_rest: bool = False) -> None:
        """To the next set that is not left out: a rest first (``rest_after``'s), or at once."""
        if self.phase == "rest":
            after = self._next_open(self.step_i, self.set_no - 1)
        else:
            after = self._following(self.step_i, self.set_no)
        if after is None:
            self._plan_done()
            return
        i, set_no = after
        rest_s = rest_after.rest_s if rest_after is not None else 0.0
        if keep_rest and self._rest_until > self.t_now:
            rest_s = self._rest_until - self.t_now
        if rest_s <= 0:
            self._begin_set(i, set_no)
            return
        self.phase, self.step_i, self.set_no = "rest", i, set_no
        self._rest_until = self.t_now + rest_s
        plan = self.plan[i]
        self._context(plan)
        self._emit(
            RoutineRestEvent,
            rest_s=round(rest_s, 3),
            t_until=round(self._rest_until, 4),
            next_step=plan.step,
            next_set=set_no,
            next_exercise=plan.exercise,
            next_side=plan.side,
        )

    def _following(self, i: int, set_no: int) -> tuple[int, int] | None:
        """The set after set ``set_no`` of step ``i``, skipping what is left out."""
        return self._next_open(i, set_no)

    def _next_open(self, i: int, done_sets: int) -> tuple[int, int] | None:
        if self._marks[i] is None and done_sets < self.plan[i].sets:
            return i, done_sets + 1
        for j in range(i + 1, len(self.plan)):
            if self._marks[j] is None:
                return j, 1
        return None

    def _last_started(self) -> int:
        started = [i for i, sets in enumerate(self._sets) if sets]
        return started[-1] if started else self.step_i

    def _plan_done(self) -> None:
        self._context(None)
        if self.settings.pain_after_wait_s > 0 and self.pain_after is None:
            self.phase = "pain_after"
            self._pain_until = self.t_now + self.settings.pain_after_wait_s
            self._emit(RoutinePainAskedEvent, t_until=round(self._pain_until, 4))
            return
        self._end("completed")

    def _end(self, reason: EndReason) -> None:
        self.phase = "ended"
        self._context(None)
        steps = tuple(
            step_result(plan, self._sets[i], self._marks[i], self._pain_at[i], self.settings)
            for i, plan in enumerate(self.plan)
        )
        self._emit(
            RoutineEndedEvent,
            reason=reason,
            t_start=round(self.t_start, 4),
            duration_s=round(self.t_now - self.t_start, 3),
            steps=steps,
            steps_done=sum(1 for s in steps if s.status == "done"),
            pain_before=self.pain_before,
            pain_after=self.pain_after,
            pain_during=tuple(self._pain_during),
            proposal=propose(self.spec, steps, self.pain_before, self.pain_after, self.settings),
        )

    # --- output -------------------------------------------------------------------------------

    def _context(self, plan: RoutineStepPlan | None) -> None:
        if plan is None:
            self._out.context = Context()
        else:
            self._out.context = Context(plan.exercise, plan.side, plan.hold_s)

    def _emit(self, model: type[_RoutineEvent], **fields: object) -> None:
        event: Event = model.model_validate(
            {
                "t": round(self.t_now, 6),
                "sensor": self.sensor,
                "routine_id": self.routine_id,
                "routine": self.spec.name,
                **fields,
            }
        )
        self._out.events.append(event)

    def _flush(self) -> Output:
        out, self._out = self._out, Output()
        return out

    def _require_active(self, command: str) -> None:
        if not self.active:
            raise ConfigError(command, "no routine is running", "start_routine first")
