"""The scorer's --routine mode judges names and sides of sets and holds (behaviour only: the
figures themselves are printed by `holdfast score --routine`, docs/routines.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsp.events import HoldEndedEvent, RoutineSetEndedEvent
from service.cli import main
from service.scoring.routine_mode import judge

TRUTH = {
    "sets": [
        {
            "t_start": 10,
            "t_end": 60,
            "exercise": "side_plank",
            "side": "right",
            "count": 3,
            "kind": "holds",
        },
        {
            "t_start": 70,
            "t_end": 120,
            "exercise": "side_plank",
            "side": "left",
            "count": 3,
            "kind": "holds",
        },
    ],
    "holds": [
        {"t_start": 12, "t_end": 22, "duration_s": 10.0, "exercise": "side_plank", "side": "right"},
        {"t_start": 72, "t_end": 82, "duration_s": 10.0, "exercise": "side_plank", "side": "left"},
    ],
}


def set_ended(t0: float, t1: float, side: str, done: int) -> RoutineSetEndedEvent:
    return RoutineSetEndedEvent(
        t=t1,
        sensor="back",
        routine_id="r",
        routine="t",
        step=1,
        set=1,
        exercise="side_plank",
        side=side,
        t_start=t0,
        done=done,
        target=3,
        short=0,  # type: ignore[arg-type]
        reason="target",
    )


def hold(t0: float, exercise: str, side: str | None) -> HoldEndedEvent:
    return HoldEndedEvent(
        t=t0 + 11,
        sensor="back",
        exercise=exercise,
        side=side,
        t_start=t0,  # type: ignore[arg-type]
        duration_s=10.5,
        target_s=10,
        completed=True,
        reason="lowered",
        sway_deg=0.1,
        tremor_power=0.0,
    )


def test_a_set_is_named_only_with_its_side_and_counted_only_with_its_count() -> None:
    events = [set_ended(10, 60, "right", 3), set_ended(70, 120, "right", 2)]
    r = judge(events, TRUTH)
    assert (r.sets_true, r.sets_named, r.sets_counted) == (2, 1, 1)
    assert any("left" in m for m in r.misses)


def test_a_hold_is_timed_by_its_exercise_and_sided_apart() -> None:
    r = judge([hold(12, "side_plank", "right"), hold(72, "side_plank", None)], TRUTH)
    assert (r.holds_true, r.holds_timed, r.holds_sided) == (2, 2, 1)
    assert r.hold_abs_err_s == [0.5, 0.5]
    r2 = judge([hold(12, "bridge", None)], TRUTH)
    assert r2.holds_timed == 0


def test_score_routine_prints_its_figures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parents[2] / "recordings"
    spec = tmp_path / "bridges.toml"
    spec.write_text('[routine]\nname = "bridges"\n\n[[step]]\nexercise = "bridge"\nreps = 10\n')
    assert main(["score", "--routine", str(spec), str(root / "bridge.jsonl.gz")]) == 0
    out = capsys.readouterr().out
    for line in ("sets named (exercise and side)", "holds timed (exercise)", "routines ended"):
        assert line in out
