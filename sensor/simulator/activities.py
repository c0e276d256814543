"""Every activity a script can name, from the seed articles, with its parameters' defaults.

Angles are those of the lumbar/sacral segment, not of the whole trunk: a toe touch tilts the
pelvis by ~90-100 deg, a bridge tips it ~25 deg head-down from lying, a bird dog rolls it a few
degrees. ``ACTIVITIES`` maps each name to ``(defaults, build)``; ``docs/simulator.md`` lists
them with their meaning.
"""

from __future__ import annotations

from collections.abc import Callable

from sensor.simulator.builder import START_POSTURES, Builder
from sensor.simulator.everyday import fidget as fidget_moves
from sensor.simulator.everyday import jog as jogging
from sensor.simulator.exercise import RepSpec, rep_defaults, run_reps
from sensor.simulator.overlays import Gait, sway
from sensor.simulator.params import Params, Value
from sensor.simulator.trajectory import Pose
from sensor.simulator.transitions import go_to

Build = Callable[[Builder, Params], None]
#: Postures ``rest`` and ``go`` can move to.
REST_POSTURES = START_POSTURES


def _sgn(side: str | None) -> float:
    return -1.0 if side == "left" else 1.0


# --- standing ------------------------------------------------------------------------------


def _person_sway(b: Builder, seconds: float) -> None:
    """The person's own postural sway over the next ``seconds`` (none by default)."""
    if b.person.sway > 0 and seconds > 0:
        b.overlay(sway(b.rng, b.now_s, b.now_s + seconds, b.person.sway))


def stand(b: Builder, p: Params) -> None:
    go_to(b, "standing")
    with b.activity("stand"):
        _person_sway(b, p.num("duration_s"))
        b.hold(p.num("duration_s"))


def rest(b: Builder, p: Params) -> None:
    posture = p.text("posture", ("here", *REST_POSTURES))
    if posture != "here":
        go_to(b, posture)
    with b.activity("rest"):
        _person_sway(b, p.num("duration_s"))
        b.hold(p.num("duration_s"))


def go(b: Builder, p: Params) -> None:
    """Change posture and stay a moment: sit down, stand up, lie down, get up, kneel."""
    go_to(b, p.text("posture", REST_POSTURES))
    with b.activity("rest"):
        b.hold(b.rest_time(p.num("hold_s")))


def fidget(b: Builder, p: Params) -> None:
    fidget_moves(b, p.int("moves"), p.num("size_deg"))


def calibration(b: Builder, p: Params) -> None:
    """Stand still, one forward bend and back: how auto-calibration learns the mounting."""
    go_to(b, "standing")
    with b.activity("calibration"):
        b.hold(p.num("still_s"))
        start = b.pose
        b.move(start.turned(flex_deg=b.amp(p.num("depth_deg"))), 1.4)
        b.hold(0.5)
        b.move(start, 1.4)
        b.hold(p.num("after_s"))


def walk(b: Builder, p: Params) -> None:
    go_to(b, "standing")
    _walk(
        b, p.num("duration_s"), p.num("cadence_spm"), p.num("speed_mps"), "walk", p.num("turn_deg")
    )


def _walk(
    b: Builder,
    duration_s: float,
    cadence: float,
    speed: float,
    name: str,
    turn_deg: float,
    mean_flex: float = 0.0,
    crouch_m: float = 0.0,
    sway_m: float = 0.02,
    negative: bool = True,
) -> None:
    with b.activity(name, negative=negative):
        start = b.pose
        t0 = b.now_s
        cad = b.amp(cadence)
        b.overlay(
            Gait(
                t0,
                t0 + duration_s,
                cad,
                sway_m=sway_m,
                mean_flex_deg=mean_flex,
                phase0=float(b.rng.uniform(0, 6.28)),
            )
        )
        b.timeline.move_to(
            start.forward(speed * duration_s).at(z_m=start.z_m - crouch_m), duration_s
        )
        if turn_deg:
            end = b.pose
            b.move(end.turned(twist_deg=turn_deg).at(heading_deg=end.heading_deg + turn_deg), 1.5)


def jog(b: Builder, p: Params) -> None:
    go_to(b, "standing")
    jogging(b, p.num("duration_s"), p.num("cadence_spm"), p.num("speed_mps"), p.num("lean_deg"))


def sit(b: Builder, p: Params) -> None:
    seat = "floor_sitting" if p.text("where", ("chair", "floor")) == "floor" else "sitting"
    for _ in range(p.int("count")):
        go_to(b, seat)
        with b.activity("sit"):
            b.hold(b.rest_time(p.num("duration_s")))
        go_to(b, "standing")


def lie(b: Builder, p: Params) -> None:
    posture = p.text("posture", ("supine", "prone", "side_left", "side_right", "quadruped"))
    for _ in range(p.int("count")):
        go_to(b, posture)
        with b.activity("lie"):
            b.hold(b.rest_time(p.num("duration_s")))
        if p.text("get_up", ("yes", "no")) == "yes":
            go_to(b, "standing")


def bends(exercise: str) -> Build:
    def build(b: Builder, p: Params) -> None:
        depth = p.num("depth_deg")
        spec = RepSpec(
            exercise,
            "standing",
            lambda bb, _s: bb.pose.turned(flex_deg=bb.amp(depth)),
            flagged=True,  # toe touches and forward bends: repeated flexion (seed 003)
        )
        run_reps(b, p, spec)

    return build


def stoop(b: Builder, p: Params) -> None:
    """Picking things up through a day: a walk, a bend, a while down, back up - repeated."""
    for _ in range(p.int("count")):
        go_to(b, "standing")
        _walk(b, b.rest_time(p.num("walk_s")), 100.0, 1.0, "walk", 0.0)
        b.hold(b.rest_time(1.0))
        with b.activity("stoop"):
            start = b.pose
            down = start.turned(flex_deg=b.amp(p.num("depth_deg"))).at(z_m=start.z_m - 0.05)
            b.move(down, 1.3)
            t0 = b.now_s
            bottom = b.hold_time(p.num("bottom_s"))
            b.overlay(sway(b.rng, t0, t0 + bottom, p.num("fidget")))
            b.hold(bottom)
            b.move(start, 1.4)
        b.hold(b.rest_time(p.num("rest_s")))


def single_leg_balance(b: Builder, p: Params) -> None:
    def top(bb: Builder, side: str | None) -> Pose:
        # Weight shifts onto the standing leg, the free side of the pelvis drops a little.
        s = _sgn(side)
        return bb.pose.turned(lat_deg=-s * bb.amp(3.0)).forward(0.0).at(y_m=bb.pose.y_m - s * 0.07)

    spec = RepSpec(
        "single_leg_balance", "standing", top, sides="per_side", log_hold=True, log_reps=False
    )
    _with_sway(b, p, spec, p.num("sway"))


def _with_sway(b: Builder, p: Params, spec: RepSpec, amount: float) -> None:
    holds_before = len(b.truth.holds)
    run_reps(b, p, spec)
    for hold in b.truth.holds[holds_before:]:
        b.overlay(sway(b.rng, float(hold["t_start"]), float(hold["t_end"]), amount))


def psoas_stretch(b: Builder, p: Params) -> None:
    def top(bb: Builder, side: str | None) -> Pose:
        # Lunge against a wall: hips lower, pelvis leans forward and bends away from the
        # back leg as the arm goes overhead.
        return bb.pose.turned(flex_deg=bb.amp(12.0), lat_deg=-_sgn(side) * bb.amp(10.0)).at(
            z_m=bb.pose.z_m - 0.12
        )

    run_reps(
        b,
        p,
        RepSpec("psoas_stretch", "standing", top, sides="per_side", log_hold=True, log_reps=False),
    )


def l_stretch(b: Builder, p: Params) -> None:
    def top(bb: Builder, _side: str | None) -> Pose:
        return (
            bb.pose.turned(flex_deg=bb.amp(p.num("depth_deg")))
            .at(z_m=bb.pose.z_m - 0.04)
            .forward(-0.25)
        )

    with b.activity("l_stretch_block", prescribed_flexion=True):
        run_reps(b, p, RepSpec("l_stretch", "standing", top, log_hold=True, log_reps=False))


def monster_walk(b: Builder, p: Params) -> None:
    go_to(b, "standing")
    with b.activity("monster_walk", exercise="monster_walk"):
        t_set = b.now_s
        start = b.pose
        b.move(start.turned(flex_deg=b.amp(15.0)).at(z_m=start.z_m - 0.1), 1.0)
        laps = p.int("laps")
        for _ in range(laps):
            steps = p.int("steps")
            cadence = p.num("cadence_spm")
            _walk(
                b,
                steps * 60.0 / cadence,
                cadence,
                0.35,
                "monster_walk_lap",
                180.0,
                crouch_m=0.0,
                sway_m=0.045,
                negative=False,
            )
        b.move(b.rest_pose("standing"), 1.0)
        b.log_set("monster_walk", None, t_set, laps, len(b.truth.sets) + 1, "laps")


# --- on the floor ---------------------------------------------------------------------------


def side_plank(b: Builder, p: Params) -> None:
    def top(bb: Builder, side: str | None) -> Pose:
        # Hips up into a straight line: pelvis rises, the body line tips head-up.
        tip = bb.amp(p.num("tip_deg"))
        return bb.pose.turned(lat_deg=-_sgn(side) * tip).at(
            z_m=bb.pose.z_m + bb.amp(p.num("lift_m"))
        )

    run_reps(
        b,
        p,
        RepSpec(
            "side_plank",
            "side",
            top,
            sides="per_side",
            log_hold=True,
            needs_context=False,
            tremor=True,
            log_reps=False,
        ),
    )


def _supine(
    exercise: str,
    flex: float,
    lift_m: float,
    roll: float = 0.0,
    sides: str = "none",
    log_hold: bool = False,
    flagged: bool = False,
    log_reps: bool = True,
) -> Build:
    def build(b: Builder, p: Params) -> None:
        def top(bb: Builder, side: str | None) -> Pose:
            depth = p.num("depth_deg", flex) if flex else 0.0
            return bb.pose.turned(
                flex_deg=bb.amp(depth) if depth else 0.0,
                twist_deg=_sgn(side) * bb.amp(roll) if roll else 0.0,
            ).at(z_m=bb.pose.z_m + bb.amp(lift_m) if lift_m else bb.pose.z_m)

        run_reps(
            b,
            p,
            RepSpec(
                exercise,
                "supine",
                top,
                sides=sides,
                log_hold=log_hold,
                flagged=flagged,
                log_reps=log_reps,
            ),
        )

    return build


def _four_point(
    exercise: str,
    flex: float,
    roll: float,
    sides: str,
    log_hold: bool,
    posture: str = "quadruped",
    lift_m: float = 0.0,
    log_reps: bool = True,
) -> Build:
    def build(b: Builder, p: Params) -> None:
        def top(bb: Builder, side: str | None) -> Pose:
            return bb.pose.turned(
                flex_deg=bb.amp(flex) if flex else 0.0,
                twist_deg=_sgn(side) * bb.amp(roll) if roll else 0.0,
            ).at(z_m=bb.pose.z_m + lift_m)

        run_reps(
            b, p, RepSpec(exercise, posture, top, sides=sides, log_hold=log_hold, log_reps=log_reps)
        )

    return build


def _sides(default: str = "both") -> dict[str, Value]:
    return {"side": default}


ACTIVITIES: dict[str, tuple[dict[str, Value], Build]] = {
    "calibration": ({"still_s": 3.0, "depth_deg": 50.0, "after_s": 2.0}, calibration),
    "stand": ({"duration_s": 10.0}, stand),
    "rest": ({"duration_s": 10.0, "posture": "here"}, rest),
    "go": ({"posture": "standing", "hold_s": 2.0}, go),
    "fidget": ({"moves": 3, "size_deg": 6.0}, fidget),
    "walk": ({"duration_s": 20.0, "cadence_spm": 108.0, "speed_mps": 1.2, "turn_deg": 0.0}, walk),
    "jog": ({"duration_s": 20.0, "cadence_spm": 165.0, "speed_mps": 2.6, "lean_deg": 6.0}, jog),
    "sit": ({"duration_s": 10.0, "count": 1, "where": "chair"}, sit),
    "lie": ({"posture": "supine", "duration_s": 10.0, "count": 1, "get_up": "yes"}, lie),
    "forward_bend": (rep_defaults(5, 1.5, 0.5, 1.5, 1.5, depth_deg=60.0), bends("forward_bend")),
    "toe_touch": (rep_defaults(10, 1.6, 0.6, 1.6, 1.0, depth_deg=95.0), bends("toe_touch")),
    "stoop": (
        {
            "count": 10,
            "depth_deg": 70.0,
            "bottom_s": 2.0,
            "walk_s": 8.0,
            "rest_s": 2.0,
            "fidget": 1.5,
        },
        stoop,
    ),
    "sit_up": (
        rep_defaults(10, 1.3, 0.3, 1.5, 1.0, depth_deg=60.0),
        _supine("sit_up", 60.0, 0.0, flagged=True),
    ),
    "side_plank": (
        rep_defaults(3, 1.5, 10.0, 1.5, 5.0, tip_deg=15.0, lift_m=0.15, **_sides()),
        side_plank,
    ),
    "bridge": (
        rep_defaults(10, 1.5, 2.0, 1.8, 1.5, depth_deg=-25.0),
        _supine("bridge", -25.0, 0.18),
    ),
    "single_leg_bridge": (
        rep_defaults(10, 1.5, 1.5, 1.8, 1.5, depth_deg=-20.0, **_sides()),
        _supine("single_leg_bridge", -20.0, 0.15, roll=5.0, sides="per_side"),
    ),
    "pelvic_tilt": (
        rep_defaults(10, 1.2, 3.0, 1.2, 2.0, depth_deg=-8.0),
        _supine("pelvic_tilt", -8.0, 0.0, log_hold=True),
    ),
    "isometric_hip_flexion": (
        rep_defaults(10, 1.2, 3.0, 1.2, 2.0, depth_deg=-3.0, **_sides()),
        _supine("isometric_hip_flexion", -3.0, 0.0, roll=2.0, sides="per_side", log_hold=True),
    ),
    "piriformis_stretch": (
        rep_defaults(5, 2.0, 10.0, 2.0, 3.0, depth_deg=-4.0, **_sides()),
        _supine(
            "piriformis_stretch",
            -4.0,
            0.0,
            roll=6.0,
            sides="per_side",
            log_hold=True,
            log_reps=False,
        ),
    ),
    "dead_bug": (
        rep_defaults(10, 1.5, 0.5, 1.5, 1.0, depth_deg=-4.0),
        _supine("dead_bug", -4.0, 0.0, roll=4.0, sides="alternate"),
    ),
    "bird_dog": (
        rep_defaults(10, 1.5, 3.0, 1.5, 1.5),
        _four_point("bird_dog", -4.0, 4.0, "alternate", True),
    ),
    "fire_hydrant": (
        rep_defaults(10, 1.4, 0.5, 1.4, 1.2),
        _four_point("fire_hydrant", 0.0, 9.0, "alternate", False),
    ),
    "prone_trunk_extension": (
        rep_defaults(10, 1.5, 2.0, 1.5, 1.5),
        _four_point(
            "prone_trunk_extension", -15.0, 0.0, "none", False, posture="prone", lift_m=0.02
        ),
    ),
    "straight_leg_lift": (
        rep_defaults(10, 1.3, 2.0, 1.3, 1.2),
        _four_point("straight_leg_lift", -4.0, 3.0, "alternate", False, posture="prone"),
    ),
    "zombie": (
        rep_defaults(1, 1.5, 60.0, 1.5, 10.0),
        _four_point(
            "zombie", -3.0, 0.0, "none", True, posture="prone", lift_m=0.03, log_reps=False
        ),
    ),
    "psoas_stretch": (rep_defaults(1, 2.0, 60.0, 2.0, 5.0, **_sides()), psoas_stretch),
    "l_stretch": (rep_defaults(1, 2.5, 60.0, 2.5, 5.0, depth_deg=90.0), l_stretch),
    "single_leg_balance": (
        rep_defaults(5, 1.0, 10.0, 1.0, 3.0, sway=1.0, **_sides()),
        single_leg_balance,
    ),
    "monster_walk": ({"laps": 3, "steps": 12, "cadence_spm": 70.0}, monster_walk),
}
