"""The scorer judges what a person reads: a set's count, exercise name, side and boundaries,
the name of every rep and hold, a hold's side; sessions are split by how they start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dsp.events import Event, FlexionEvent, HoldEndedEvent, RepEvent, SetEndedEvent
from sensor.simulator.script import parse_script
from sensor.simulator.session import SimulationSettings, simulate
from service.cli import main
from service.scoring.groups import NO_RITUAL, RITUAL, STARTS_LYING, session_group
from service.scoring.metrics import score_events
from service.scoring.report import format_table, summary

SCRIPT = """
[[step]]
activity = "isometric_hip_flexion"
count = 4
hold_s = 1
side = "both"

[[step]]
activity = "bridge"
count = 4

[[step]]
activity = "walk"
duration_s = 8

[[step]]
activity = "side_plank"
side = "left"
count = 1
hold_s = 6
"""


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return simulate(parse_script(SCRIPT), SimulationSettings(seed=5)).truth


def _rep(r: dict[str, Any], **change: Any) -> RepEvent:
    values: dict[str, Any] = {
        "t": r["t_end"],
        "sensor": "s",
        "index": r["index"],
        "exercise": r["exercise"],
        "side": r["side"],
        "rom_deg": 10,
        "duration_s": r["t_end"] - r["t_start"],
        "top_hold_s": 0,
        "t_start": r["t_start"],
    }
    values.update(change)
    return RepEvent(**values)


def _set_end(st: dict[str, Any], **change: Any) -> SetEndedEvent:
    values: dict[str, Any] = {
        "t": st["t_end"] + 10.0,
        "sensor": "s",
        "exercise": st["exercise"],
        "count": st["count"],
        "t_start": st["t_start"],
    }
    values.update(change)
    return SetEndedEvent(**values)


def _hold(h: dict[str, Any], **change: Any) -> HoldEndedEvent:
    values: dict[str, Any] = {
        "t": h["t_end"],
        "sensor": "s",
        "exercise": h["exercise"],
        "side": h["side"],
        "t_start": h["t_start"],
        "duration_s": h["duration_s"],
        "target_s": 6,
        "completed": True,
        "reason": "lowered",
        "sway_deg": 0,
        "tremor_power": 0,
    }
    values.update(change)
    return HoldEndedEvent(**values)


def _reported(truth: dict[str, Any], rename: dict[str, str] | None = None) -> list[Event]:
    """Every rep and set as the truth has it, exercises renamed by ``rename``."""
    rename = rename or {}
    out: list[Event] = []
    for st in truth["sets"]:
        if st["kind"] != "reps":
            continue
        name = rename.get(st["exercise"], st["exercise"])
        reps = [r for r in truth["reps"] if st["t_start"] <= r["t_start"] <= st["t_end"]]
        out += [_rep(r, exercise=name) for r in reps]
        out.append(_set_end(st, exercise=name))
    out += [_hold(h) for h in truth["holds"] if not h["needs_context"]]
    return out


def _sets(s: dict[str, Any], exercise: str) -> dict[str, Any]:
    reps: dict[str, Any] = s["reps"][exercise]
    return reps


def test_the_truth_has_one_set_per_side(truth: dict[str, Any]) -> None:
    hip = [s for s in truth["sets"] if s["exercise"] == "isometric_hip_flexion"]
    assert [(s["side"], s["count"]) for s in hip] == [("right", 4), ("left", 4)]


def test_sets_reported_as_they_happened_are_exact(truth: dict[str, Any]) -> None:
    s = summary(score_events(_reported(truth), truth, context=False))
    assert s["rep_sets"]["exact_rate"] == 1.0
    assert s["rep_sets"]["named_other"] == 0
    assert all(n["right_rate"] == 1.0 for n in s["naming"].values())
    assert s["holds"]["side_right_rate"] == 1.0


def test_a_set_named_as_another_exercise_is_wrong(truth: dict[str, Any]) -> None:
    s = summary(score_events(_reported(truth, {"bridge": "dead_bug"}), truth, context=False))
    bridge = _sets(s, "bridge")
    assert bridge["exact_rate"] == 0.0
    assert bridge["count_right_rate"] == 1.0  # the count alone was right
    assert bridge["named_other"] == 1
    assert s["rep_sets"]["named_other"] == 1
    assert s["naming"]["bridge"]["other"] == 4
    assert s["naming"]["bridge"]["named_as"] == {"dead_bug": 4}
    assert _sets(s, "isometric_hip_flexion")["exact_rate"] == 1.0


@pytest.mark.parametrize("generic", ["exercise", "unknown"])
def test_a_generic_name_is_unnamed_not_wrong(truth: dict[str, Any], generic: str) -> None:
    s = summary(score_events(_reported(truth, {"bridge": generic}), truth, context=False))
    bridge = _sets(s, "bridge")
    assert bridge["exact_rate"] == 0.0
    assert (bridge["unnamed"], bridge["named_other"]) == (1, 0)
    assert s["naming"]["bridge"]["unnamed"] == 4
    assert s["naming"]["bridge"]["other"] == 0
    assert s["rep_sets"]["named_other"] == 0


def test_both_sides_counted_as_one_set_are_wrong_although_the_window_count_is_right(
    truth: dict[str, Any],
) -> None:
    # What the chain did to the beginner routine: one set_ended for the reps of both sides.
    hip = [s for s in truth["sets"] if s["exercise"] == "isometric_hip_flexion"]
    events: list[Event] = [
        e for e in _reported(truth) if getattr(e, "exercise", "") != "isometric_hip_flexion"
    ]
    reps = [r for r in truth["reps"] if r["exercise"] == "isometric_hip_flexion"]
    events += [_rep(r, index=i + 1, exercise="dead_bug") for i, r in enumerate(reps)]
    merged = {**hip[0], "t_end": hip[1]["t_end"], "count": 8}
    events.append(_set_end(merged, exercise="dead_bug"))
    s = summary(score_events(events, truth, context=False))
    got = _sets(s, "isometric_hip_flexion")
    assert got["count_exact_rate"] == 1.0  # the old figure saw nothing wrong
    assert got["exact_rate"] == 0.0
    assert got["within_one_rate"] == 0.0
    assert "2 " in format_table(s).split("isometric_hip_flexion")[1].split("\n")[0]


def test_a_set_with_a_wrong_boundary_is_not_exact(truth: dict[str, Any]) -> None:
    # Right count, right name, but the first rep is missed and a false one is counted
    # after the set: the person did not do what the set says.
    st = next(s for s in truth["sets"] if s["exercise"] == "bridge")
    reps = [r for r in truth["reps"] if r["exercise"] == "bridge"]
    late = {**reps[-1], "t_start": reps[-1]["t_end"] + 3.0, "t_end": reps[-1]["t_end"] + 6.0}
    shifted = [_rep(r, index=i + 1) for i, r in enumerate([*reps[1:], late])]
    events = [e for e in _reported(truth) if getattr(e, "exercise", "") != "bridge"]
    events += [*shifted, _set_end(st, t_start=reps[1]["t_start"], t=late["t_end"] + 10.0)]
    s = summary(score_events(events, truth, context=False))
    bridge = _sets(s, "bridge")
    assert bridge["count_right_rate"] == 1.0
    assert bridge["named_right"] == 1
    assert bridge["boundary_right_rate"] == 0.0
    assert bridge["exact_rate"] == 0.0


def test_a_set_with_the_wrong_side_is_not_exact(truth: dict[str, Any]) -> None:
    events = [
        e.model_copy(update={"side": "left"})
        if isinstance(e, RepEvent) and e.exercise == "isometric_hip_flexion"
        else e
        for e in _reported(truth)
    ]
    s = summary(score_events(events, truth, context=False))
    hip = _sets(s, "isometric_hip_flexion")
    assert hip["side_right_rate"] == 0.5
    assert hip["exact_rate"] == 0.5
    assert s["rep_sets"]["rep_side_right_rate"] == 0.5


def test_reps_without_set_events_are_grouped_where_the_index_starts_again(
    truth: dict[str, Any],
) -> None:
    events = [e for e in _reported(truth) if not isinstance(e, SetEndedEvent)]
    s = summary(score_events(events, truth, context=False))
    assert s["rep_sets"]["exact_rate"] == 1.0


def test_a_hold_with_the_wrong_side_is_counted(truth: dict[str, Any]) -> None:
    holds: list[Event] = [_hold(h, side="right") for h in truth["holds"] if not h["needs_context"]]
    s = summary(score_events(holds, truth, context=False))
    assert s["holds"]["recall"] == 1.0  # found at the right time ...
    assert s["holds"]["side_right_rate"] == 0.0  # ... on the wrong side
    assert s["holds"]["side_unsaid"] == 0
    assert s["holds"]["recall_with_side"] == 0.0  # matched with its side, it was not found
    unsaid = [_hold(h, side=None) for h in truth["holds"] if not h["needs_context"]]
    s = summary(score_events(unsaid, truth, context=False))
    assert (s["holds"]["side_right_rate"], s["holds"]["side_unsaid"]) == (0.0, 1)
    plank = [h for h in truth["holds"] if h["exercise"] == "side_plank"]
    named = summary(
        score_events([_hold(h, exercise="zombie") for h in plank], truth, context=False)
    )
    assert named["naming"]["side_plank"]["other"] == 1


def test_flexion_in_walking_is_a_false_event(truth: dict[str, Any]) -> None:
    walk = next(a for a in truth["activities"] if a["activity"] == "walk")
    mid = 0.5 * (walk["t_start"] + walk["t_end"])
    bend = FlexionEvent(t=mid + 1, sensor="s", t_start=mid - 1, t_end=mid + 1, peak_deg=40)
    s = summary(score_events([*_reported(truth), bend], truth, context=False))
    assert s["negative_activities"]["by_activity"]["walk"]["false_events"] == {"flexion": 1}
    assert s["flexion_episodes"]["sessions_exact_rate"] == 0.0


def _truth_of(script: str) -> dict[str, Any]:
    return simulate(parse_script(script), SimulationSettings(seed=1)).truth


def test_sessions_are_grouped_by_how_they_start() -> None:
    step = '[[step]]\nactivity = "bridge"\ncount = 2\n'
    assert session_group(_truth_of(step)) == RITUAL
    assert session_group(_truth_of("[script]\ncalibration = false\n" + step)) == NO_RITUAL
    lying = '[script]\ncalibration = false\nstart = "side_left"\n' + step
    assert session_group(_truth_of(lying)) == STARTS_LYING


def test_score_prints_the_figures_by_kind_of_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", "--people", "--sessions", "1", "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "by kind of session" in out
    assert "exact: count+name+side+ends" in out
    assert list(tmp_path.glob("people_000001.*"))
    assert main(["score", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    truth = json.loads((tmp_path / "people_000001.truth.json").read_text(encoding="utf-8"))
    # The scorer's group, read from the truth, is the one the session was drawn for.
    assert set(doc["done_when"]) == {"all", truth["people"]["group"]}
    assert doc["done_when"]["all"]["files"] == 1


def test_generated_sets_take_no_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path), "--heldout"]) == 2
    err = capsys.readouterr().err
    assert "--people/--heldout" in err
    assert len(err.strip().splitlines()) == 1


def test_false_events_are_split_into_walking_and_transitions(truth: dict[str, Any]) -> None:
    from service.scoring.figures import done_when, markdown_columns

    def rep_in(activity: str) -> RepEvent:
        a = next(x for x in truth["activities"] if x["activity"] == activity)
        mid = 0.5 * (a["t_start"] + a["t_end"])
        return RepEvent(
            t=mid, sensor="s", index=1, exercise="bridge", rom_deg=10, duration_s=0.4,
            top_hold_s=0, t_start=mid - 0.2,
        )  # fmt: skip

    events = [*_reported(truth), rep_in("walk"), rep_in("walk"), rep_in("get_up")]
    figures = done_when(summary(score_events(events, truth, context=False)))
    assert (figures["false_events_walking"], figures["false_events_transitions"]) == (2, 1)
    table = markdown_columns({"all": figures}, "figure")
    assert "| false events: walking/jogging | 2 | 0 |" in table
