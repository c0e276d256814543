"""Progress bars: shown on a terminal for long jobs, never in pipes, logs or files."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from service import progress as progress_module
from service.progress import progress

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_job_on_a_terminal_shows_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "DELAY_S", 0.0)
    out = _Tty()
    with progress("replaying demo", total=10, out=out) as bar:
        for done in range(10):
            bar.update(done, f"{done} s of the session")
    assert "replaying demo" in out.getvalue()


def test_a_short_job_or_no_terminal_shows_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _Tty()
    with progress("quick", total=3, out=out) as bar:  # ends well within DELAY_S
        bar.update(3)
    assert out.getvalue() == ""
    monkeypatch.setattr(progress_module, "DELAY_S", 0.0)
    piped = io.StringIO()
    with progress("piped", total=3, out=piped) as bar:
        bar.update(1)
    assert piped.getvalue() == ""


def test_replay_into_a_pipe_prints_events_and_no_bar() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "replay", str(RECORDINGS / "demo.jsonl.gz")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stderr == ""
    assert "Session ended after" in done.stdout


def test_the_simulator_reports_each_stage_in_order() -> None:
    from sensor.simulator.script import load_script
    from sensor.simulator.session import STAGES, SimulationSettings, simulate

    seen: list[tuple[int, str]] = []
    simulate(load_script("bridge"), SimulationSettings(), on_stage=lambda i, n: seen.append((i, n)))
    assert seen == list(enumerate(STAGES))


def test_simulate_shows_a_bar_on_a_terminal_and_nothing_in_a_pipe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli import main

    monkeypatch.setattr(progress_module, "DELAY_S", 0.0)
    assert main(["simulate", "bridge", "-o", str(tmp_path / "piped.jsonl.gz")]) == 0
    piped = capsys.readouterr()
    assert piped.err == ""
    assert "piped.jsonl.gz: bridge" in piped.out
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["simulate", "bridge", "-o", str(tmp_path / "tty.jsonl.gz")]) == 0
    assert "simulating bridge" in tty.getvalue()
