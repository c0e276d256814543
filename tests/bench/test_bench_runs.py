"""``holdfast bench --smoke --json`` runs every step and prints every figure (no timings are
asserted: figures are printed, never tested)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = (
    "chain_samples_per_s",
    "chain_vs_imufusion",
    "replay_process_samples_per_s",
    "live_p50_ms_2",
    "live_p99_ms_2",
    "live_cpu_pct_2",
    "e2e_p99_ms_1",
    "e2e_p99_ms_2",
    "rss_growth_mb_8h",
    "help_s",
    "mqtt_msgs_per_s_per_sensor",
)


def _no_nan(name: str) -> None:
    raise AssertionError(f"{name} in the JSON: strict JSON has no NaN or Infinity")


@pytest.mark.slow
@pytest.mark.mosquitto
def test_smoke_json_has_every_figure_with_targets() -> None:
    assert shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists()
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "bench", "--smoke", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(done.stdout, parse_constant=_no_nan)
    missing = [k for k in KEYS if k not in report]
    assert not missing
    for key in ("chain_samples_per_s", "help_s", "live_cpu_pct_2"):
        assert isinstance(report[key], float)
        assert report[key] > 0
    assert report["targets"]["chain_vs_imufusion"]["target"] == 2.0
    assert set(report["passed"]) == set(report["targets"])
    assert report["context"]["mode"] == "smoke"
    assert report["live_messages_2"] > 0


def test_python_m_benchmarks_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--only", "help", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert set(report) >= {"help_s", "targets", "passed", "context"}
    assert "chain_samples_per_s" not in report


def test_an_unknown_step_is_one_clear_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "bench", "--only", "chian"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "chian" in done.stderr
    assert "chain" in done.stderr
