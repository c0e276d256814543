"""The exercise catalogue: names the chain knows, and what each prescribes.

Names and numbers come from the two seed articles (``shared/seeds``): 000 (stretches held 60 s,
pelvic tilt, glute bridge, prone trunk extension, straight-leg lift, side plank) and 003
(Bruner, DPT: routines with pelvic tilts held 3 s, bridges, bird dogs held 3 s, dead bugs,
fire hydrants, side planks held 10 s, single-leg balance up to 10 s, monster walks; toe touches
and sit-ups listed as repeated-flexion exercises to avoid).
"""

from __future__ import annotations

from firmware_protocol.errors import ConfigError

#: Exercises whose prescription is sustained forward flexion: no sustained alert while doing them.
PRESCRIBED_FLEXION: frozenset[str] = frozenset({"l_stretch"})

#: Exercises the seed article lists as repeated forward flexion to avoid: counted and flagged.
FLAGGED: frozenset[str] = frozenset({"toe_touch", "sit_up", "forward_bend"})

#: Default hold targets, seconds (seed articles).
HOLD_TARGET_S: dict[str, float] = {
    "side_plank": 10.0,  # 003: "Hold the position for 10 seconds"
    "psoas_stretch": 60.0,  # 000: "Hold for 60 seconds on each side"
    "zombie": 60.0,  # 000
    "l_stretch": 60.0,  # 000
    "pelvic_tilt": 3.0,  # 003: "hold the contraction for 3 seconds"
    "bird_dog": 3.0,  # 003: "Hold for 3 seconds"
    "isometric_hip_flexion": 3.0,  # 003
    "single_leg_balance": 10.0,  # 003: "Hold for up to 10 seconds"
    "piriformis_stretch": 10.0,  # 003: "Hold the stretch for 10 seconds"
}

#: Timed holds with no rep count (the stretches, balance, side plank; monster walks are laps).
HOLD_ONLY: frozenset[str] = frozenset(
    {
        "side_plank",
        "psoas_stretch",
        "zombie",
        "l_stretch",
        "piriformis_stretch",
        "single_leg_balance",
        "monster_walk",
    }
)

#: The posture each exercise is done in (seed articles' starting positions). Face down on the
#: floor and on hands and knees are one family here: only the height estimate tells them
#: apart, and it is the least certain part of the posture.
FACE_DOWN = ("prone", "quadruped")
EXERCISE_POSTURES: dict[str, tuple[str, ...]] = {
    "bridge": ("supine",),
    "single_leg_bridge": ("supine",),
    "pelvic_tilt": ("supine",),
    "isometric_hip_flexion": ("supine",),
    "dead_bug": ("supine",),
    "sit_up": ("supine",),
    "piriformis_stretch": ("supine",),
    "bird_dog": FACE_DOWN,
    "fire_hydrant": FACE_DOWN,
    "prone_trunk_extension": FACE_DOWN,
    "straight_leg_lift": FACE_DOWN,
    "zombie": FACE_DOWN,
    "side_plank": ("side_left", "side_right"),
    "toe_touch": ("upright",),
    "forward_bend": ("upright",),
    "psoas_stretch": ("upright",),
    "l_stretch": ("upright",),
    "single_leg_balance": ("upright",),
    "monster_walk": ("upright",),
}

#: Target when an exercise has no seed number: the shortest prescribed hold, 3 s (003).
DEFAULT_HOLD_TARGET_S = 3.0

EXERCISES: tuple[str, ...] = (
    "bridge",
    "single_leg_bridge",
    "pelvic_tilt",
    "isometric_hip_flexion",
    "bird_dog",
    "fire_hydrant",
    "dead_bug",
    "prone_trunk_extension",
    "straight_leg_lift",
    "side_plank",
    "sit_up",
    "toe_touch",
    "forward_bend",
    "psoas_stretch",
    "zombie",
    "l_stretch",
    "piriformis_stretch",
    "single_leg_balance",
    "monster_walk",
)


def check_exercise(name: str | None) -> str | None:
    """``None`` or ``"auto"`` mean: recognise it; anything else must be in the catalogue."""
    if name is None or name == "auto":
        return None
    if name not in EXERCISES:
        raise ConfigError("exercise", f"unknown exercise {name!r}", ("auto", *EXERCISES))
    return name
