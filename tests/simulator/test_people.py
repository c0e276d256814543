"""People-like scenarios: sessions that start anywhere, fidgeting, jogging, any mounting and
rate, repeated packets; drawn deterministically from seeds; truth agrees with the motion."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sensor.simulator.builder import DSP_POSTURE
from sensor.simulator.link_model import LinkSettings
from sensor.simulator.output import write_simulation
from sensor.simulator.people import (
    HELDOUT,
    TUNED_ON,
    _mounting,
    people_session,
    write_people_set,
)
from sensor.simulator.script import parse_script
from sensor.simulator.sensor_model import SensorSettings, parse_mounting
from sensor.simulator.session import Simulation, SimulationSettings, build_motion, simulate
from service.cli import main
from service.scoring.groups import session_group

STEP = '[[step]]\nactivity = "rest"\nduration_s = 4\n'


def _sim(text: str, **settings: Any) -> Simulation:
    return simulate(parse_script(text), SimulationSettings(**settings))


def _at(truth: dict[str, Any], key: str, t: float) -> float:
    i = int(np.searchsorted(truth["angles"]["t"], t))
    return float(truth["angles"][key][i])


@pytest.mark.parametrize(
    ("start", "key", "lo", "hi"),
    [
        ("supine", "flexion_deg", -95, -85),
        ("prone", "flexion_deg", 85, 95),
        ("quadruped", "flexion_deg", 80, 90),
        ("side_left", "lateral_deg", -90, -85),
        ("side_right", "lateral_deg", 85, 90),
        ("sitting", "flexion_deg", -10, -5),
        ("floor_sitting", "flexion_deg", -18, -12),
    ],
)
def test_a_session_can_start_lying_sitting_or_kneeling(
    start: str, key: str, lo: float, hi: float
) -> None:
    tr = _sim(f'[script]\ncalibration = false\nstart = "{start}"\n' + STEP).truth
    first = tr["postures"][0]
    assert (first["rest_posture"], first["posture"]) == (start, DSP_POSTURE[start])
    assert first["t_start"] == 0.0
    assert first["t_end"] > 2.0
    assert lo < _at(tr, key, 1.0) < hi
    if start not in ("sitting", "floor_sitting"):
        assert session_group(tr) == "starts_lying"


def test_a_session_without_the_ritual_starts_with_what_the_person_does() -> None:
    tr = _sim('[script]\ncalibration = false\n[[step]]\nactivity = "bridge"\ncount = 2\n').truth
    assert "calibration" not in {a["activity"] for a in tr["activities"]}
    assert tr["activities"][0]["activity"] == "lie_down"  # straight to the floor
    assert session_group(tr) == "no_ritual"


def test_fidgeting_and_jogging_are_negative_and_hold_nothing_to_count() -> None:
    tr = _sim(
        '[script]\ncalibration = false\n[[step]]\nactivity = "fidget"\nmoves = 4\n'
        '[[step]]\nactivity = "jog"\nduration_s = 8\n'
        '[[step]]\nactivity = "sit"\nwhere = "floor"\nduration_s = 3\n'
        '[[step]]\nactivity = "rest"\nposture = "supine"\nduration_s = 3\n'
    ).truth
    neg = {a["activity"] for a in tr["activities"] if a["negative"]}
    assert {"fidget", "jog", "sit_down", "stand_up", "lie_down"} <= neg
    assert not tr["reps"]
    assert not tr["holds"]
    assert not tr["alerts"]
    assert not [e for e in tr["flexion_episodes"] if e["required"]]
    rests = {p["rest_posture"] for p in tr["postures"]}
    assert {"floor_sitting", "supine"} <= rests
    jog = next(a for a in tr["activities"] if a["activity"] == "jog")
    # Jogging bounces: the sensor height swings by several cm.
    t = np.asarray(tr["angles"]["t"])
    h = np.asarray(tr["angles"]["height_m"])
    inside = (t > jog["t_start"] + 2) & (t < jog["t_end"] - 2)
    assert np.ptp(h[inside]) > 0.06


def test_people_fidget_between_sets() -> None:
    tr = _sim(
        '[[step]]\nactivity = "bridge"\ncount = 2\nsets = 2\nset_rest_s = 15\nset_rest_fidget = 2\n'
    ).truth
    first, second = (s for s in tr["sets"] if s["exercise"] == "bridge")
    [fid] = [a for a in tr["activities"] if a["activity"] == "fidget"]
    assert first["t_end"] < fid["t_start"] < fid["t_end"] < second["t_start"]
    assert fid["negative"]


def test_a_bigger_person_carries_the_sensor_higher() -> None:
    small = _sim("[person]\nheight_scale = 0.9\n" + STEP).truth
    big = _sim("[person]\nheight_scale = 1.1\n" + STEP).truth
    assert _at(big, "height_m", 1.0) - _at(small, "height_m", 1.0) == pytest.approx(
        0.2 * 0.92, abs=0.01
    )


def test_repeated_packets_repeat_bytes_and_leave_the_truth_alone(tmp_path: Path) -> None:
    text = STEP
    base = {"sensor": SensorSettings(rate_hz=20.0), "seed": 3}
    plain = _sim(text, **base)
    rep = _sim(text, link=LinkSettings(repeat_probability=0.3), **base)
    assert rep.truth == plain.truth
    write_simulation(plain, tmp_path / "a.jsonl.gz", "witmotion")
    write_simulation(rep, tmp_path / "b.jsonl.gz", "witmotion")

    def payloads(name: str) -> list[str]:
        with gzip.open(tmp_path / name, "rt", encoding="utf-8") as f:
            lines = [json.loads(x) for x in f.read().splitlines()[1:]]
        return [x["hex"] for x in lines if "hex" in x]

    a, b = payloads("a.jsonl.gz"), payloads("b.jsonl.gz")
    extra = len(b) - len(a)
    assert 0.2 * len(a) < extra < 0.4 * len(a)
    # Every extra packet is a copy of a notification that arrived shortly before it.
    last_seen: dict[str, int] = {}
    copies = 0
    for j, x in enumerate(b):
        if x in last_seen and j - last_seen[x] <= 4:
            copies += 1
        last_seen[x] = j
    assert copies >= extra
    assert sorted(set(b)) == sorted(set(a))


def test_truth_postures_agree_with_the_motion_and_the_sensor(tmp_path: Path) -> None:
    for seed in (2, 3, 4):  # one session of each kind
        session = people_session(seed)
        sim = simulate(session.script, session.settings)
        tr = sim.truth
        assert session_group(tr) == session.group
        t = np.asarray(tr["angles"]["t"])
        still = np.asarray(tr["angles"]["still"])
        flex = np.asarray([np.nan if v is None else v for v in tr["angles"]["flexion_deg"]])
        lat = np.asarray(tr["angles"]["lateral_deg"])
        tilt = np.asarray(tr["angles"]["tilt_deg"])
        # At rest: still, and not inside an exercise (the top of a bend is still, not upright).
        resting = still.copy()
        for a in tr["activities"]:
            if a["exercise"]:
                resting &= ~((t >= a["t_start"]) & (t <= a["t_end"]))
        for seg in tr["postures"]:
            sel = (t > seg["t_start"] + 1) & (t < seg["t_end"] - 1) & resting
            if not sel.any():
                continue
            checks = {
                "supine": flex[sel] < -60,
                "prone": flex[sel] > 60,
                "quadruped": (flex[sel] > 60) & (flex[sel] < 100),
                "side_left": lat[sel] < -60,
                "side_right": lat[sel] > 60,
                "upright": tilt[sel] < 35,
            }
            if seg["posture"] in checks:
                assert checks[seg["posture"]].all(), (seed, seg)
        # What the sensor measured at rest points where the truth says "up" is, through the
        # session's random mounting: gravity's angle from the body's long axis is the tilt.
        r = sim.readings
        idx = np.searchsorted(r.t_s, t[still])
        idx = idx[idx < r.t_s.shape[0]]
        acc = r.acc_mps2[idx]
        up_sensor = sim.settings.mounting.matrix @ np.array([0.0, 0.0, 1.0])
        cos = acc @ up_sensor / np.linalg.norm(acc, axis=1)
        measured = np.degrees(np.arccos(np.clip(cos, -1, 1)))
        assert np.median(np.abs(measured - tilt[still][: idx.shape[0]])) < 3.0


def test_people_sessions_are_drawn_deterministically_and_vary() -> None:
    a, b = people_session(11), people_session(11)
    assert (a.script_text, a.command) == (b.script_text, b.command)
    assert (a.settings.sensor, a.settings.link) == (b.settings.sensor, b.settings.link)
    assert np.array_equal(a.settings.mounting.matrix, b.settings.mounting.matrix)
    drawn = [people_session(s) for s in TUNED_ON.seeds[:9]]
    assert len({d.script_text for d in drawn}) == 9
    assert {d.group for d in drawn} == {"ritual", "no_ritual", "starts_lying"}
    assert len({d.settings.sensor.rate_hz for d in drawn}) > 1
    assert not set(TUNED_ON.seeds) & set(HELDOUT.seeds)
    for d in drawn:  # the motion alone is cheap: the drawn group is what the truth says
        built = build_motion(d.script, d.seed)
        truth = {"postures": built.truth.postures, "activities": built.truth.activities}
        built.close()
        assert session_group(truth) == d.group


def test_random_mountings_are_axis_aligned_turned_at_most_15_deg() -> None:
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(300):
        spec = _mounting(rng)
        m = parse_mounting(spec)
        assert m.up is not None
        assert m.forward is not None
        seen.add((m.up, m.forward))
        base = parse_mounting(f"{m.up},{m.forward}").matrix
        angle = np.degrees(Rotation.from_matrix(m.matrix @ base.T).magnitude())
        assert angle <= 15.0 + 1e-6
    assert len(seen) == 24


def test_the_printed_command_makes_the_same_session(tmp_path: Path) -> None:
    [path] = write_people_set(tmp_path / "set", HELDOUT, 1)
    truth = json.loads(path.with_name("heldout_900001.truth.json").read_text(encoding="utf-8"))
    assert truth["people"]["held_out"] is True
    argv = truth["people"]["command"].split()[1:]
    script = str(tmp_path / "set" / argv[1])
    out = tmp_path / "again" / argv[3]
    assert main([argv[0], script, "-o", str(out), *argv[4:]]) == 0
    assert out.read_bytes() == path.read_bytes()
