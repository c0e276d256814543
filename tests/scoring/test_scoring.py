"""The scorer: perfect events score perfectly, no events score as missing, false ones count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dsp.events import (
    Event,
    FlexionAlertEvent,
    FlexionEvent,
    HoldEndedEvent,
    PostureEvent,
    RepEvent,
)
from sensor.simulator.output import write_simulation
from sensor.simulator.script import parse_script
from sensor.simulator.session import SimulationSettings, simulate
from service.cli import main
from service.scoring.metrics import score_events
from service.scoring.report import format_table, summary

SCRIPT = """
[[step]]
activity = "toe_touch"
count = 4

[[step]]
activity = "walk"
duration_s = 8

[[step]]
activity = "side_plank"
side = "left"
count = 1
hold_s = 6

[[step]]
activity = "bridge"
count = 3
"""


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return simulate(parse_script(SCRIPT), SimulationSettings(seed=11)).truth


def _perfect(truth: dict[str, Any]) -> list[Event]:
    reps: list[Event] = [
        RepEvent(
            t=r["t_end"],
            sensor="s",
            index=r["index"],
            exercise=r["exercise"],
            rom_deg=30,
            duration_s=1,
            top_hold_s=0,
            t_start=r["t_start"],
        )
        for r in truth["reps"]
    ]
    holds: list[Event] = [
        HoldEndedEvent(
            t=h["t_end"],
            sensor="s",
            exercise=h["exercise"],
            t_start=h["t_start"],
            duration_s=h["duration_s"],
            target_s=10,
            completed=True,
            reason="lowered",
            sway_deg=0,
            tremor_power=0,
        )
        for h in truth["holds"]
    ]
    episodes: list[Event] = [
        FlexionEvent(
            t=e["t_end"], sensor="s", t_start=e["t_start"], t_end=e["t_end"], peak_deg=e["peak_deg"]
        )
        for e in truth["flexion_episodes"]
    ]
    alerts: list[Event] = [
        FlexionAlertEvent(
            t=a["t"], sensor="s", reason=a["reason"], count=3, window_s=60, threshold_deg=45
        )
        for a in truth["alerts"]
    ]
    return reps + holds + episodes + alerts


def test_truth_holds_what_the_script_did(truth: dict[str, Any]) -> None:
    assert [s["count"] for s in truth["sets"] if s["kind"] == "reps"] == [4, 3]
    assert any(h["exercise"] == "side_plank" and h["side"] == "left" for h in truth["holds"])
    toe = [e for e in truth["flexion_episodes"] if e["activity"] == "toe_touch"]
    assert len(toe) == 4
    assert all(e["depth_deg"] > 75 for e in toe)
    assert any(a["reason"] == "repeated" and a["required"] for a in truth["alerts"])
    assert any(a["activity"] == "walk" and a["negative"] for a in truth["activities"])


def test_perfect_events_score_perfectly(truth: dict[str, Any]) -> None:
    s = summary(score_events(_perfect(truth), truth, context=True))
    assert all(r["exact_rate"] == 1.0 for r in s["reps"].values())
    assert s["holds"]["recall"] == 1.0
    assert s["holds"]["precision"] == 1.0
    assert s["holds"]["duration_mae_s"] == 0.0
    assert s["flexion_episodes"]["recall"] == 1.0
    assert s["flexion_episodes"]["precision"] == 1.0
    assert s["alerts"]["recall"] == 1.0
    assert s["alerts"]["precision"] == 1.0


def test_no_events_score_as_missing(truth: dict[str, Any]) -> None:
    s = summary(score_events([], truth, context=False))
    assert s["flexion_episodes"]["recall"] == 0.0
    assert s["alerts"]["recall"] == 0.0
    assert s["holds"]["precision"] is None
    assert all(r["exact_rate"] == 0.0 for r in s["reps"].values())
    assert "n/a" in format_table(s)


def test_events_in_negative_activities_are_counted(truth: dict[str, Any]) -> None:
    walk = next(a for a in truth["activities"] if a["activity"] == "walk")
    mid = 0.5 * (walk["t_start"] + walk["t_end"])
    bogus = RepEvent(
        t=mid,
        sensor="s",
        index=1,
        exercise="bridge",
        rom_deg=10,
        duration_s=1,
        top_hold_s=0,
        t_start=mid - 1,
    )
    s = summary(score_events([*_perfect(truth), bogus], truth, context=True))
    assert s["negative_activities"]["false_events"] == {"rep": 1}


def test_score_cli_runs_the_real_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim = simulate(parse_script(SCRIPT), SimulationSettings(seed=2))
    write_simulation(sim, tmp_path / "a.jsonl.gz", "witmotion")
    assert main(["score", str(tmp_path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"flexion_episodes"' in out
    assert main(["score", str(tmp_path / "a.jsonl.gz")]) == 0
    assert "angle RMSE" in capsys.readouterr().out
    # With --context the chain is told each exercise as it starts (Pipeline.set_exercise).
    assert main(["score", str(tmp_path), "--context", "--json"]) == 0
    assert '"context": true' in capsys.readouterr().out


def test_posture_accuracy_follows_the_chain_posture(truth: dict[str, Any]) -> None:
    segs = [p for p in truth["postures"] if p["posture"] != "unknown"]
    right: list[Event] = [
        PostureEvent(t=p["t_start"], sensor="s", posture=p["posture"], previous="unknown")
        for p in segs
    ]
    s = summary(score_events(right, truth, context=False))["posture_accuracy"]
    assert {"upright", "supine", "side_left"} <= set(s)
    assert all(v["accuracy"] == 1.0 for v in s.values())
    wrong: list[Event] = [PostureEvent(t=0.0, sensor="s", posture="prone", previous="unknown")]
    s = summary(score_events(wrong, truth, context=False))["posture_accuracy"]
    assert all(v["accuracy"] == 0.0 for v in s.values())


def test_reps_are_scored_when_they_happened_not_when_they_were_decided(
    truth: dict[str, Any],
) -> None:
    # With no exercise given the first rep of a set is reported with the second; a rep may be
    # decided after its set (or in whatever follows it). It belongs to the set it was done in.
    late = [
        e.model_copy(update={"t": e.t + 12.0}) if isinstance(e, RepEvent) else e
        for e in _perfect(truth)
    ]
    s = summary(score_events(late, truth, context=True))
    assert all(r["exact_rate"] == 1.0 for r in s["reps"].values())
    assert s["negative_activities"]["false_events"] == {}


def test_a_prescribed_stretch_warns_only_when_the_chain_was_not_told() -> None:
    """The "L" stretch is a sustained 90 deg bend: untold, the rule must warn; told the
    exercise, the chain must stay silent. The truth marks that alert ``auto_only``."""
    script = '[[step]]\nactivity = "l_stretch"\ncount = 1\nhold_s = 40\n'
    truth = simulate(parse_script(script), SimulationSettings(seed=3)).truth
    auto_only = [a for a in truth["alerts"] if a.get("auto_only")]
    assert [a["reason"] for a in auto_only] == ["sustained"]
    warned = [
        FlexionAlertEvent(
            t=a["t"], sensor="s", reason=a["reason"], count=1, window_s=20, threshold_deg=60
        )
        for a in auto_only
    ]
    auto = score_events(warned, truth, context=False)
    assert (auto.alerts_hit, auto.alerts_false) == (1, 0)
    assert score_events([], truth, context=False).alerts_hit == 0  # silence misses it
    told = score_events(warned, truth, context=True)
    assert (told.alerts_true, told.alerts_false) == (0, 1)
