"""Routines as data: the built-ins, a user's file, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsp.detectors.exercises import EXERCISES
from dsp.routines import builtin_names, load
from firmware_protocol.errors import ConfigError


def test_the_seed_routines_are_built_in_with_their_exercises_and_sources() -> None:
    assert {"beginner", "intermediate", "advanced", "stretches", "strengthening"} <= set(
        builtin_names()
    )
    beginner = [(p.exercise, p.side) for p in load("beginner").plan()]
    assert beginner == [
        ("pelvic_tilt", None),
        ("isometric_hip_flexion", "right"),
        ("isometric_hip_flexion", "left"),
        ("bridge", None),
        ("piriformis_stretch", "right"),
        ("piriformis_stretch", "left"),
    ]
    assert {p.exercise for p in load("intermediate").plan()} == {
        "piriformis_stretch",
        "dead_bug",
        "bird_dog",
        "fire_hydrant",
    }
    assert {p.exercise for p in load("advanced").plan()} == {
        "single_leg_bridge",
        "side_plank",
        "single_leg_balance",
        "monster_walk",
    }
    for name in builtin_names():
        spec = load(name)
        for step in spec.plan():
            assert step.exercise in EXERCISES
            assert step.source, f"{name} step {step.step} cites no source"
    assert load("beginner").next == "intermediate"
    assert load("intermediate").next == "advanced"
    tilt = load("beginner").plan()[0]
    assert (tilt.target, tilt.hold_s) == (10, 3.0)


def test_a_users_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[routine]\nname = "mine"\nrest_s = 5\n\n'
        '[[step]]\nexercise = "side_plank"\nside = "both"\nreps = 3\nhold_s = 20\nsets = 2\n'
    )
    plan = load(str(path)).plan()
    assert [(p.side, p.target, p.hold_s, p.sets, p.rest_s) for p in plan] == [
        ("right", 3, 20.0, 2, 5.0),
        ("left", 3, 20.0, 2, 5.0),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[[step]]\nexercise = "brige"\nreps = 3\n', "step 1: unknown exercise 'brige'"),
        ('[[step]]\nexercise = "bridge"\n', "step 1: bridge: give reps"),
        ('[[step]]\nexercise = "bridge"\nreps = 0\n', "step 1: reps: Input should be greater"),
        ('[[step]]\nexercise = "monster_walk"\nreps = 3\n', "give time_s"),
        ('[[step]]\nexercise = "bridge"\nreps = 3\ncolour = 1\n', "step 1: colour: Extra"),
        ("[[step]]\nexercise = \n", "not TOML"),
        ('[[steps]]\nexercise = "bridge"\n', "unknown table 'steps'"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_step_and_field(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[routine]\nname = "bad"\n\n' + body)
    with pytest.raises(ConfigError) as info:
        load(str(path))
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert expected in message


def test_unknown_names_and_missing_files_say_what_exists(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no built-in routine 'beginer'.*beginner"):
        load("beginer")
    with pytest.raises(ConfigError, match="cannot read"):
        load(str(tmp_path / "nothing.toml"))
