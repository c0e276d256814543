"""Outputs: byte-identical per seed, readable by replay, angles the chain agrees with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dsp.events import AngleEvent, parse_event
from firmware_protocol.errors import ConfigError
from firmware_protocol.samples import SampleBatch
from sensor.replay import Recording
from sensor.simulator.output import write_simulation
from sensor.simulator.script import builtin_names, builtin_script, parse_script
from sensor.simulator.sensor_model import SensorSettings, parse_mounting
from sensor.simulator.session import SimulationSettings, simulate
from service.cli import main

SHORT = """
[script]
name = "short"

[[step]]
activity = "forward_bend"
count = 1

[[step]]
activity = "stand"
duration_s = 4
"""


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    script = parse_script(SHORT)
    outs = []
    for run in ("a", "b"):
        sim = simulate(script, SimulationSettings(seed=5))
        out = tmp_path / run / "s.jsonl.gz"
        truth = write_simulation(sim, out, "witmotion")
        outs.append((out.read_bytes(), truth.read_bytes()))
    assert outs[0] == outs[1]
    other = simulate(script, SimulationSettings(seed=6))
    write_simulation(other, tmp_path / "c" / "s.jsonl.gz", "witmotion")
    assert (tmp_path / "c" / "s.jsonl.gz").read_bytes() != outs[0][0]


def test_cli_writes_recording_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "demo.csv"
    assert main(["simulate", "walk", "-o", str(out), "--device", "csv", "--rate", "25"]) == 0
    truth = json.loads((tmp_path / "demo.truth.json").read_text())
    assert truth["format"] == "holdfast-truth"
    rec = Recording(out)
    assert rec.info.nominal_rate_hz == pytest.approx(25.0, rel=0.05)


def test_a_jittery_clock_still_writes_a_readable_csv(tmp_path: Path) -> None:
    # Jitter larger than a third of the period reorders instants; the writer keeps t rising.
    out = tmp_path / "jitter.csv"
    args = ["simulate", "walk", "-o", str(out), "--device", "csv", "--rate", "100"]
    assert main([*args, "--noise", "high,timing_jitter_s=0.004", "--seed", "2"]) == 0
    t = np.concatenate([b.t_host_s for b in Recording(out).items() if isinstance(b, SampleBatch)])
    assert np.all(np.diff(t) > 0)
    assert t.size > 0.95 * 100 * t[-1]  # only the few repeated instants were left out


def test_bad_script_names_step_and_key() -> None:
    with pytest.raises(ConfigError, match="depth"):
        parse_script('[[step]]\nactivity = "bridge"\ndepht_deg = 3\n')
    with pytest.raises(ConfigError, match="activity"):
        parse_script('[[step]]\nactivity = "levitate"\n')


def test_every_builtin_script_parses() -> None:
    assert {"demo", "beginner", "intermediate", "advanced", "stooping_day"} <= set(builtin_names())
    for name in builtin_names():
        assert builtin_script(name).steps


def test_disconnect_leaves_markers_and_a_gap(tmp_path: Path) -> None:
    script = parse_script(SHORT + "disconnect_after_s = 1\ndisconnect_s = 3\n")
    sim = simulate(script, SimulationSettings(seed=2))
    out = tmp_path / "d.jsonl"
    write_simulation(sim, out, "witmotion")
    kinds = [getattr(i, "kind", None) for i in Recording(out).items()]
    assert "disconnected" in kinds
    assert "connected" in kinds
    assert sim.truth["gaps"][0]["kind"] == "disconnect"


@pytest.mark.parametrize(
    ("mounting", "device"),
    [("+y,-z", "csv"), ("-x,+z@4,-3,6", "csv"), ("+y,-z", "witmotion")],
)
def test_replay_gives_true_angles_when_still(
    tmp_path: Path, mounting: str, device: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`holdfast replay` (auto-calibrated) agrees with the truth within 1 deg when still.

    The CSVs are accelerometer-only (gravity alone fixes the angles when still); the
    WitMotion recording has a gyro, so the chain's fusion and its BLE clock are in the loop.
    """
    script = parse_script(
        SHORT + '\n[[step]]\nactivity = "l_stretch"\nhold_s = 12\n'
        '\n[[step]]\nactivity = "lie"\nposture = "supine"\nget_up = "no"\n'
    )
    settings = SimulationSettings(
        seed=3,
        mounting=parse_mounting(mounting),
        sensor=SensorSettings(has_gyro=device != "csv"),
    )
    sim = simulate(script, settings)
    out = tmp_path / ("r.csv" if device == "csv" else "r.jsonl.gz")
    write_simulation(sim, out, device)
    assert main(["replay", str(out), "--format", "jsonl"]) == 0
    events = [parse_event(line) for line in capsys.readouterr().out.splitlines()]
    angles = [e for e in events if isinstance(e, AngleEvent) and e.flexion_deg is not None]
    tr = sim.truth["angles"]
    t_truth = np.asarray(tr["t"])
    still = np.asarray(tr["still"])
    flex = np.asarray([np.nan if v is None else v for v in tr["flexion_deg"]])
    t = np.asarray([e.t for e in angles])
    got = np.asarray([e.flexion_deg for e in angles])
    idx = np.clip(np.searchsorted(t_truth, t), 0, len(t_truth) - 1)
    settled = np.ones_like(idx, dtype=bool)
    for back in range(0, 11, 2):  # still now and for the last second (the low-pass settles)
        settled &= still[np.maximum(idx - back, 0)]
    ok = settled & ~np.isnan(flex[idx])
    err = got[ok] - np.interp(t[ok], t_truth, flex)
    assert ok.sum() > 100
    assert np.abs(err).max() < 1.0
    reached = flex[idx][ok]
    assert reached.max() > 80.0  # the L stretch
    assert reached.min() < -80.0  # lying on the back


def test_cli_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "x.jsonl")
    assert main(["simulate", "walk", "-o", out, "--mounting=+y,-y"]) == 2
    assert "perpendicular" in capsys.readouterr().err
    assert main(["simulate", "walk", "-o", out, "--device", "polar-h10"]) == 2
    assert "witmotion" in capsys.readouterr().err
    assert main(["simulate", "walk", "-o", out, "--noise", "loud"]) == 2
    assert "acc_noise_mps2" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[step]]\nactivity = "bridge"\ncount = "ten"\n')
    assert main(["simulate", str(bad), "-o", out]) == 2
    assert "count" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
