"""Sessions as people do them, drawn at random from a seed: the people and held-out sets.

Our own library's scripts all begin with "stand still, bend forward once". People do not:
they go straight to the floor, start lying down (on the back, a side, on hands and knees) or
sitting, fidget between sets, rest in another posture, walk or jog between exercises, strap
the sensor on any way round and slightly askew, and their sensors stream at 20, 50 or 100 Hz
with jittered clocks and repeated packets. :func:`people_session` draws all of that (the order
of exercises, counts, holds, rests, the person's size, speed and sway, the mounting, rate,
noise and link) from one seed, deterministically: the same seed always gives the same script,
settings and bytes.

Two sets (docs/accuracy.md):

- ``TUNED_ON`` (``holdfast score --people``): seeds 1-30. Detector work may look at these,
  plot them, tune on them.
- ``HELDOUT`` (``holdfast score --heldout``): seeds 900001-900030. Nobody tunes on them: they
  are only ever scored, to tell whether a change generalises or was fitted to what we looked at.

Each session is a TOML script (written beside the recording, so one can be rerun with
``holdfast simulate``) plus simulation settings; the truth carries an additive ``people``
object naming the set, the seed, the group and the exact ``holdfast simulate`` command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sensor.simulator.link_model import LinkSettings
from sensor.simulator.output import write_simulation
from sensor.simulator.script import Script, parse_script
from sensor.simulator.sensor_model import NOISE_PRESETS, SensorSettings, parse_mounting
from sensor.simulator.session import SimulationSettings, simulate


@dataclass(frozen=True, slots=True)
class PeopleSet:
    """A named, fixed list of seeds."""

    name: str
    seeds: tuple[int, ...]
    description: str


TUNED_ON = PeopleSet("people", tuple(range(1, 31)), "people-like sessions, tuned on (seeds 1-30)")
HELDOUT = PeopleSet(
    "heldout",
    tuple(range(900001, 900031)),
    "people-like sessions, HELD OUT: never tune on these (seeds 900001-900030)",
)

#: Exercises by the posture they are done in.
FLOOR_EXERCISES: dict[str, tuple[str, ...]] = {
    "supine": (
        "bridge", "single_leg_bridge", "pelvic_tilt", "isometric_hip_flexion", "dead_bug",
        "sit_up", "piriformis_stretch",
    ),
    "side": ("side_plank",),
    "quadruped": ("bird_dog", "fire_hydrant"),
    "prone": ("prone_trunk_extension", "straight_leg_lift", "zombie"),
}  # fmt: skip
STANDING_EXERCISES = (
    "toe_touch", "forward_bend", "single_leg_balance", "psoas_stretch", "monster_walk",
)  # fmt: skip
PER_SIDE = frozenset(
    {"single_leg_bridge", "isometric_hip_flexion", "piriformis_stretch", "side_plank",
     "single_leg_balance", "psoas_stretch"}
)  # fmt: skip
#: Exercises counted as holds (a few of them) rather than as many reps.
HOLD_EXERCISES = frozenset({"side_plank", "piriformis_stretch", "single_leg_balance"})
#: Long holds (the articles' 60 s stretches, shortened): one or two.
LONG_HOLDS = frozenset({"zombie", "psoas_stretch"})
#: Axis pairs for the 24 axis-aligned mountings.
AXES = ("+x", "-x", "+y", "-y", "+z", "-z")
START_GROUPS = ("ritual", "no_ritual", "starts_lying")
LYING_STARTS = ("supine", "supine", "side_left", "side_right", "prone", "quadruped")
SEATED_STARTS = ("standing", "standing", "sitting", "floor_sitting")


@dataclass(frozen=True, slots=True)
class PeopleSession:
    """One drawn session: its script (TOML text), settings, device and the command to redo it."""

    name: str
    seed: int
    group: str
    script_text: str
    settings: SimulationSettings
    device: str
    command: str

    @property
    def script(self) -> Script:
        return parse_script(self.script_text, f"{self.name}.toml")


def _posture_of(exercise: str) -> str:
    for posture, names in FLOOR_EXERCISES.items():
        if exercise in names:
            return posture
    return "standing"


def _toml_value(v: float | int | str) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    return repr(v)


def _step(activity: str, **values: float | int | str) -> str:
    lines = ["[[step]]", f'activity = "{activity}"']
    lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines)


def _exercise_step(rng: np.random.Generator, exercise: str, side: str | None) -> str:
    values: dict[str, float | int | str] = {}
    if exercise == "monster_walk":
        return _step(exercise, laps=int(rng.integers(1, 4)), steps=int(rng.integers(6, 15)))
    if exercise in LONG_HOLDS:
        values["count"] = int(rng.integers(1, 3))
        values["hold_s"] = round(float(rng.uniform(15.0, 40.0)), 1)
    elif exercise in HOLD_EXERCISES:
        values["count"] = int(rng.integers(2, 5))
        values["hold_s"] = round(float(rng.uniform(6.0, 18.0)), 1)
    else:
        values["count"] = int(rng.integers(4, 13))
    values["rest_s"] = round(float(rng.uniform(0.6, 3.5)), 1)
    if exercise in PER_SIDE:
        values["side"] = side or str(rng.choice(["both", "both", "left", "right"]))
    if rng.random() < 0.15:
        values["sets"] = 2
        values["set_rest_s"] = round(float(rng.uniform(12.0, 30.0)), 1)
        if rng.random() < 0.5:
            values["set_rest_fidget"] = int(rng.integers(1, 4))
    return _step(exercise, **values)


def _filler(rng: np.random.Generator, here: str) -> str | None:
    """What people do between exercises (``None``: go straight on)."""
    kind = rng.choice(
        ["none", "fidget", "walk", "jog", "rest_other", "sit_chair", "sit_floor"],
        p=[0.25, 0.25, 0.15, 0.08, 0.15, 0.07, 0.05],
    )
    if kind == "fidget":
        return _step(
            "fidget",
            moves=int(rng.integers(1, 5)),
            size_deg=round(float(rng.uniform(3.0, 10.0)), 1),
        )
    if kind == "walk":
        return _step("walk", duration_s=round(float(rng.uniform(6.0, 25.0)), 1))
    if kind == "jog":
        return _step("jog", duration_s=round(float(rng.uniform(6.0, 20.0)), 1))
    if kind == "rest_other":
        options = [
            p
            for p in ("supine", "sitting", "floor_sitting", "standing", "quadruped", "prone")
            if p != here
        ]
        return _step(
            "rest",
            posture=str(rng.choice(options)),
            duration_s=round(float(rng.uniform(4.0, 20.0)), 1),
        )
    if kind in ("sit_chair", "sit_floor"):
        return _step(
            "sit",
            where="chair" if kind == "sit_chair" else "floor",
            duration_s=round(float(rng.uniform(4.0, 15.0)), 1),
        )
    return None


def _mounting(rng: np.random.Generator) -> str:
    up = str(rng.choice(AXES))
    forwards = [a for a in AXES if a[1] != up[1]]
    forward = str(rng.choice(forwards))
    tilt = float(rng.uniform(0.0, 15.0))
    direction = rng.normal(0.0, 1.0, 3)
    rv = direction / max(1e-9, float(np.linalg.norm(direction))) * tilt
    return f"{up},{forward}@{rv[0]:.2f},{rv[1]:.2f},{rv[2]:.2f}"


def people_session(seed: int, set_name: str = "people") -> PeopleSession:
    """Draw one session from ``seed`` (deterministic)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9E091E]))
    group = START_GROUPS[seed % len(START_GROUPS)]  # a third of any run of seeds each
    if group == "ritual":
        start, calibration = "standing", True
    elif group == "no_ritual":
        start, calibration = str(rng.choice(SEATED_STARTS)), False
    else:
        start, calibration = str(rng.choice(LYING_STARTS)), False

    all_floor = [e for names in FLOOR_EXERCISES.values() for e in names]
    n_ex = int(rng.integers(3, 6))
    exercises: list[tuple[str, str | None]] = []
    if start in ("supine", "prone", "quadruped"):
        exercises.append((str(rng.choice(FLOOR_EXERCISES[start])), None))
    elif start.startswith("side_"):
        exercises.append(("side_plank", start.removeprefix("side_")))
    elif not calibration and rng.random() < 0.6:
        exercises.append((str(rng.choice(all_floor)), None))  # straight to the floor
    pool = [*all_floor, *STANDING_EXERCISES]
    while len(exercises) < n_ex:
        ex = str(rng.choice(pool))
        if all(ex != e for e, _ in exercises):
            exercises.append((ex, None))

    person = {
        "tempo_sd": round(float(rng.uniform(0.05, 0.2)), 3),
        "amplitude_sd": round(float(rng.uniform(0.04, 0.12)), 3),
        "hold_jitter_s": round(float(rng.uniform(0.2, 0.6)), 2),
        "rest_jitter_s": round(float(rng.uniform(0.2, 0.8)), 2),
        "tempo_scale": round(float(rng.uniform(0.75, 1.35)), 3),
        "height_scale": round(float(rng.uniform(0.85, 1.15)), 3),
        "sway": round(float(rng.uniform(0.0, 1.5)), 2),
    }
    name = f"{set_name}_{seed:06d}"
    parts = [
        "[script]",
        f'name = "{name}"',
        f'description = "drawn by sensor.simulator.people from seed {seed} ({group})"',
        f"calibration = {'true' if calibration else 'false'}",
        f'start = "{start}"',
        f"heading_deg = {round(float(rng.uniform(0.0, 360.0)), 1)!r}",
        "",
        "[person]",
        *(f"{k} = {v!r}" for k, v in person.items()),
    ]
    here = start
    for i, (ex, side) in enumerate(exercises):
        if i > 0 and (filler := _filler(rng, here)) is not None:
            parts += ["", filler]
        parts += ["", _exercise_step(rng, ex, side)]
        here = _posture_of(ex)
    if rng.random() < 0.5:
        parts += ["", _step("go", posture="standing", hold_s=round(float(rng.uniform(2, 6)), 1))]
    text = "\n".join(parts) + "\n"

    rate = float(rng.choice([20.0, 50.0, 100.0]))
    preset = str(rng.choice(["low", "typical", "typical", "high"]))
    jitter = round(float(rng.uniform(0.0, 0.004)), 4)
    clock = round(float(rng.uniform(-300.0, 300.0)), 1)
    device = "csv" if rng.random() < 0.25 else "witmotion"
    interval = float(rng.choice([0.0075, 0.015, 0.03, 0.045]))
    repeats = rate == 20.0 and rng.random() < 0.7  # repeated packets: common at 20 Hz
    repeat = round(float(rng.uniform(0.05, 0.25)), 3) if repeats else 0.0
    mounting = _mounting(rng)
    losses = round(float(rng.uniform(0.1, 0.5)), 2) if rng.random() < 0.3 else 0.0
    sensor_kw: dict[str, Any] = {
        **NOISE_PRESETS[preset],
        "timing_jitter_s": jitter,
        "clock_error_ppm": clock,
    }
    settings = SimulationSettings(
        seed=seed,
        sensor=SensorSettings(rate_hz=rate, has_gyro=True, **sensor_kw),
        link=LinkSettings(
            connection_interval_s=interval,
            repeat_probability=repeat,
            loss_bursts_per_min=losses,
        ),
        mounting=parse_mounting(mounting),
    )
    suffix = ".csv" if device == "csv" else ".jsonl.gz"
    command = (
        f"holdfast simulate {name}.toml -o {name}{suffix} --device {device} --seed {seed} "
        f"--mounting={mounting} --rate {rate:g} "
        f"--noise {preset},timing_jitter_s={jitter!r},clock_error_ppm={clock!r} "
        f"--link connection_interval_s={interval!r},repeat_probability={repeat!r},"
        f"loss_bursts_per_min={losses!r}"
    )
    return PeopleSession(name, seed, group, text, settings, device, command)


def write_people_set(folder: Path, which: PeopleSet, count: int | None = None) -> list[Path]:
    """Simulate the set's sessions (the first ``count`` seeds) into ``folder``: per session
    a recording, its truth and its script. Returns the recordings."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for seed in which.seeds[: count if count is not None else len(which.seeds)]:
        session = people_session(seed, which.name)
        (folder / f"{session.name}.toml").write_text(session.script_text, encoding="utf-8")
        sim = simulate(session.script, session.settings)
        sim.truth["people"] = {
            "set": which.name,
            "seed": session.seed,
            "group": session.group,
            "held_out": which is HELDOUT,
            "command": session.command,
        }
        suffix = ".csv" if session.device == "csv" else ".jsonl.gz"
        path = folder / f"{session.name}{suffix}"
        write_simulation(sim, path, session.device)
        out.append(path)
    return out
