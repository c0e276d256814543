"""The shape every counted exercise shares: sets of reps, each out to a top pose and back.

``top(b, side)`` gives the pose at the top of one rep from the rest pose the body is in.
Holds at the top are logged as truth holds where the articles prescribe a timed hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sensor.simulator.builder import Builder
from sensor.simulator.everyday import fidget
from sensor.simulator.overlays import tremor
from sensor.simulator.params import Params
from sensor.simulator.trajectory import Pose
from sensor.simulator.transitions import go_to

TopPose = Callable[[Builder, str | None], Pose]


@dataclass(frozen=True, slots=True)
class RepSpec:
    """How an exercise is laid out.

    ``sides``: ``none`` (no side), ``alternate`` (sides take turns within one set),
    ``per_side`` (one set per side). ``log_hold``: the top of each rep is a prescribed hold
    (truth ``holds``); ``needs_context``: a detector can only time it when told the exercise.
    ``tremor``: muscle tremor during the top hold, growing with its length (fatigue).
    """

    exercise: str
    posture: str
    top: TopPose
    sides: str = "none"
    log_hold: bool = False
    needs_context: bool = True
    flagged: bool = False
    tremor: bool = False
    log_reps: bool = True


def rep_defaults(
    count: int, up_s: float, hold_s: float, down_s: float, rest_s: float, **extra: float | int | str
) -> dict[str, float | int | str | bool]:
    base: dict[str, float | int | str | bool] = {
        "count": count,
        "up_s": up_s,
        "hold_s": hold_s,
        "down_s": down_s,
        "rest_s": rest_s,
    }
    base.update(extra)
    return base


def run_reps(b: Builder, p: Params, spec: RepSpec, posture: str | None = None) -> None:
    """Lay down ``sets`` sets of ``count`` reps of ``spec`` (going to its posture first)."""
    if spec.sides == "per_side":
        side_plan: list[list[str | None]] = [[s] for s in p.sides()]
    elif spec.sides == "alternate":
        side_plan = [["right", "left"]]
    else:
        side_plan = [[None]]
    sets = p.int("sets", 1)
    count = p.int("count")
    set_index = 0
    for set_no in range(sets):
        for sides in side_plan:
            start_posture = posture or spec.posture
            if sides[0] is not None and start_posture == "side":
                start_posture = f"side_{sides[0]}"
            go_to(b, start_posture)
            set_index += 1
            _one_set(b, p, spec, sides, count, set_index)
        if set_no < sets - 1:
            rest_s = b.rest_time(p.num("set_rest_s", 20.0))
            if p.int("set_rest_fidget", 0) > 0:
                # Restless between sets: fidget, then rest whatever time is left.
                t0 = b.now_s
                fidget(b, p.int("set_rest_fidget"), 6.0)
                rest_s = max(0.5, rest_s - (b.now_s - t0))
            b.hold(rest_s)


def _one_set(
    b: Builder, p: Params, spec: RepSpec, sides: list[str | None], count: int, set_index: int
) -> None:
    side_label = sides[0] if len(sides) == 1 else None
    with b.activity(spec.exercise, exercise=spec.exercise, side=side_label):
        t_set = b.now_s
        for i in range(count):
            side = sides[i % len(sides)]
            rest = b.pose
            t0 = b.now_s
            b.move(spec.top(b, side), p.num("up_s"))
            t_top0 = b.now_s
            hold_s = p.num("hold_s")
            hold = b.hold_time(hold_s) if hold_s > 0 else 0.0
            if hold > 0:
                if spec.tremor:
                    # Tremor grows with the time held and across the set (fatigue).
                    fatigue = 1.0 + i / max(1, count)
                    b.overlay(
                        tremor(
                            b.rng,
                            t_top0,
                            t_top0 + hold,
                            0.5 * fatigue,
                            (1.0 + hold / 10.0) * fatigue,
                        )
                    )
                b.hold(hold)
            t_top1 = b.now_s
            b.move(rest, p.num("down_s"))
            if spec.log_reps:
                b.log_rep(
                    spec.exercise,
                    side,
                    t0,
                    0.5 * (t_top0 + t_top1),
                    b.now_s,
                    i + 1,
                    set_index,
                    spec.flagged,
                )
            if spec.log_hold and hold > 0:
                b.log_hold(spec.exercise, side, t_top0, t_top1, hold_s, spec.needs_context)
            if i < count - 1:
                b.hold(b.rest_time(p.num("rest_s")))
        b.log_set(
            spec.exercise,
            side_label,
            t_set,
            count,
            set_index,
            "holds" if spec.log_hold and not spec.log_reps else "reps",
        )
    b.hold(b.rest_time(2.0))
