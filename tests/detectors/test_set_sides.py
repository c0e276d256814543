"""Per-side exercises, not told the exercise: a change of side ends the set; a one-sided
roll is not an alternating dead bug. Full simulator and replay chain (auto mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsp.events import RepEvent, SetEndedEvent
from sensor.simulator.output import write_simulation
from sensor.simulator.script import parse_script
from sensor.simulator.session import SimulationSettings, simulate
from service.scoring.run import chain_events

pytestmark = pytest.mark.slow


def _auto(
    tmp_path: Path, exercise: str, count: int, seed: int = 4
) -> list[RepEvent | SetEndedEvent]:
    script = f"""
[[step]]
activity = "calibration"

[[step]]
activity = "{exercise}"
count = {count}
"""
    sim = simulate(parse_script(script), SimulationSettings(seed=seed))
    out = tmp_path / f"{exercise}.jsonl"
    write_simulation(sim, out, "witmotion")
    return [e for e in chain_events(out) if isinstance(e, RepEvent | SetEndedEvent)]


def _sets(events: list[RepEvent | SetEndedEvent]) -> list[tuple[SetEndedEvent, list[RepEvent]]]:
    out: list[tuple[SetEndedEvent, list[RepEvent]]] = []
    reps: list[RepEvent] = []
    for e in events:
        if isinstance(e, RepEvent):
            reps.append(e)
        else:
            out.append((e, reps))
            reps = []
    return out


@pytest.mark.parametrize("exercise", ["single_leg_bridge", "isometric_hip_flexion"])
def test_a_change_of_side_starts_a_new_set(tmp_path: Path, exercise: str) -> None:
    sets = _sets(_auto(tmp_path, exercise, 4))
    assert [s.count for s, _ in sets] == [4, 4]  # one set per side, not 8 over both
    sides = [{r.side for r in reps} for _, reps in sets]
    assert len(sides[0]) == len(sides[1]) == 1  # every rep of a set on its one side
    assert sides[0] != sides[1]
    assert all(s.exercise == exercise for s, _ in sets)


def test_an_alternating_exercise_stays_one_set(tmp_path: Path) -> None:
    """Dead bugs change side every rep: that is the exercise, not a new set."""
    sets = _sets(_auto(tmp_path, "dead_bug", 6))
    assert [s.count for s, _ in sets] == [6]
    assert sets[0][0].exercise == "dead_bug"
    assert {r.side for r in sets[0][1]} == {"left", "right"}


@pytest.mark.parametrize("seed", [2, 6])
def test_another_movement_straight_after_a_set_starts_its_own_set(
    tmp_path: Path, seed: int
) -> None:
    """Bird dogs, then fire hydrants on hands and knees without a pause: two sets, each
    named for its movement, not one set named for the first (nor the first hydrant counted
    as a bird dog)."""
    script = """
[[step]]
activity = "calibration"

[[step]]
activity = "lie"
posture = "quadruped"
duration_s = 5
get_up = "no"

[[step]]
activity = "bird_dog"
count = 5
hold_s = 3

[[step]]
activity = "fire_hydrant"
count = 5
"""
    sim = simulate(parse_script(script), SimulationSettings(seed=seed))
    out = tmp_path / "four_point.jsonl"
    write_simulation(sim, out, "witmotion")
    events = [e for e in chain_events(out) if isinstance(e, RepEvent | SetEndedEvent)]
    sets = _sets(events)
    assert [(s.exercise, s.count) for s, _ in sets] == [("bird_dog", 5), ("fire_hydrant", 5)]
