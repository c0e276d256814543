"""Truth says what happened: episodes from any posture, prescribed flexion, alerts, postures."""

from __future__ import annotations

from typing import Any

from sensor.simulator.script import parse_script
from sensor.simulator.session import SimulationSettings, simulate


def _truth(steps: str, calibration: bool = True) -> dict[str, Any]:
    head = "[script]\ncalibration = false\n" if not calibration else ""
    return simulate(parse_script(head + steps), SimulationSettings(seed=9)).truth


def test_sit_ups_are_flexion_episodes_from_lying() -> None:
    tr = _truth('[[step]]\nactivity = "sit_up"\ncount = 4\n', calibration=False)
    eps = [e for e in tr["flexion_episodes"] if e["activity"] == "sit_up"]
    assert len(eps) == 4
    assert all(abs(e["baseline_deg"] + 90) < 1 and e["depth_deg"] > 45 for e in eps)
    assert [a["reason"] for a in tr["alerts"] if a["required"]] == ["repeated"]


def test_negative_activities_have_no_required_episode_or_alert() -> None:
    tr = _truth(
        '[[step]]\nactivity = "lie"\nposture = "prone"\nduration_s = 3\n'
        '[[step]]\nactivity = "sit"\ncount = 2\nduration_s = 3\n'
        '[[step]]\nactivity = "walk"\nduration_s = 10\n',
        calibration=False,
    )
    assert not [e for e in tr["flexion_episodes"] if e["required"]]
    assert not tr["alerts"]
    kinds = {a["activity"] for a in tr["activities"] if a["negative"]}
    assert {"lie_down", "get_up", "sit_down", "stand_up", "walk"} <= kinds
    assert "prone" in {p["posture"] for p in tr["postures"]}


def test_l_stretch_is_prescribed_and_a_long_stoop_is_not() -> None:
    tr = _truth(
        '[[step]]\nactivity = "l_stretch"\nhold_s = 30\n'
        '[[step]]\nactivity = "stoop"\ncount = 1\nbottom_s = 30\ndepth_deg = 75\n'
    )
    l_ep = [e for e in tr["flexion_episodes"] if e["activity"] == "l_stretch"]
    assert len(l_ep) == 1
    assert l_ep[0]["prescribed"]
    sustained = [a for a in tr["alerts"] if a["reason"] == "sustained"]
    # The stretch's alert is demanded only of a chain that was not told the exercise.
    assert [bool(a.get("auto_only")) for a in sustained] == [True, False]
    stretch = next(a for a in tr["activities"] if a["activity"] == "l_stretch")
    stoop = next(a for a in tr["activities"] if a["activity"] == "stoop")
    assert stretch["t_start"] < sustained[0]["t"] < stretch["t_end"]
    assert stoop["t_start"] < sustained[1]["t"] < stoop["t_end"]


def test_side_plank_holds_and_lifts_the_pelvis() -> None:
    tr = _truth('[[step]]\nactivity = "side_plank"\nside = "left"\ncount = 2\nhold_s = 8\n')
    holds = [h for h in tr["holds"] if h["exercise"] == "side_plank"]
    assert [h["side"] for h in holds] == ["left", "left"]
    assert all(7 < h["duration_s"] < 9 and not h["needs_context"] for h in holds)
    t, height = tr["angles"]["t"], tr["angles"]["height_m"]
    lat = tr["angles"]["lateral_deg"]
    at = [i for i, x in enumerate(t) if holds[0]["t_start"] + 1 < x < holds[0]["t_end"] - 1]
    # Resting on the side between the two holds (lowered 1.5 s, rest 5 s).
    rest = [i for i, x in enumerate(t) if holds[0]["t_end"] + 2.5 < x < holds[1]["t_start"] - 2.5]
    assert rest
    assert min(height[i] for i in at) > max(height[i] for i in rest) + 0.08
    assert all(-80 < lat[i] < -60 for i in at)  # tipped head-up from -88 toward a line
    assert all(lat[i] < -85 for i in rest)


def test_heights_of_postures() -> None:
    tr = _truth(
        '[[step]]\nactivity = "lie"\nposture = "supine"\nduration_s = 5\nget_up = "no"\n'
        '[[step]]\nactivity = "bird_dog"\ncount = 1\n'
    )
    a = tr["angles"]
    by_posture: dict[str, list[float]] = {}
    for seg in tr["postures"]:
        hs = [
            h
            for x, h in zip(a["t"], a["height_m"], strict=True)
            if seg["t_start"] + 1 < x < seg["t_end"] - 1
        ]
        if hs:
            by_posture.setdefault(seg["posture"], []).extend(hs)
    assert min(by_posture["upright"]) > 0.9
    assert max(by_posture["upright"]) < 1.1
    assert max(by_posture["supine"]) < 0.15
    assert min(by_posture["quadruped"]) > 0.5
    assert max(by_posture["quadruped"]) < 0.7


def test_steps_of_one_exercise_without_a_pause_are_one_set() -> None:
    bend = '[[step]]\nactivity = "forward_bend"\ncount = 1\ndepth_deg = {}\n'
    tr = _truth(bend.format(60) + bend.format(75) + bend.format(90))
    assert [(s["exercise"], s["count"]) for s in tr["sets"]] == [("forward_bend", 3)]
    assert [(r["set"], r["index"]) for r in tr["reps"]] == [(1, 1), (1, 2), (1, 3)]
    # A rest between them ends the set; one set per side stays one set per side.
    tr = _truth(
        bend.format(60)
        + '[[step]]\nactivity = "stand"\nduration_s = 20\n'
        + bend.format(60)
        + '[[step]]\nactivity = "single_leg_bridge"\ncount = 2\n',
        calibration=False,
    )
    assert [(s["exercise"], s["side"], s["count"]) for s in tr["sets"]] == [
        ("forward_bend", None, 1),
        ("forward_bend", None, 1),
        ("single_leg_bridge", "right", 2),
        ("single_leg_bridge", "left", 2),
    ]
