"""A whole ``holdfast replay --format jsonl --no-angles`` process on a long raw recording.

What a user waits for when scoring or re-analysing a session: start-up, reading, decoding and
the chain. Start-up (the interpreter and the imports) is taken off by timing the same command
on a one-second recording; what is left, per sample, is the rate of everything else.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from firmware_protocol import witmotion
from firmware_protocol.samples import Packet
from sensor.recording import RawHeader, RawRecordingWriter
from service.bench import session


def write_recording(path: Path, seconds: float) -> int:
    """A raw WitMotion recording of the benchmark session, one frame per notification."""
    t, acc, gyro = session.samples(seconds)
    host = session.arrivals(t)
    frames = witmotion.encode_samples(acc, gyro)
    header = RawHeader(
        device="witmotion",
        nominal_rate_hz=session.RATE_HZ,
        start_utc=datetime(2026, 1, 1, tzinfo=UTC),
        sensor="bench",
        session_id="bench",
    )
    with RawRecordingWriter(path, header) as writer:
        for i, arrival in enumerate(host.tolist()):
            writer.write_packet(
                Packet(arrival, witmotion.NOTIFY_UUID, frames[i * 20 : (i + 1) * 20])
            )
    return int(t.size)


def time_replay(path: Path) -> float:
    command = [sys.executable, "-m", "service.cli", "replay", str(path), "--format", "jsonl"]
    start = time.perf_counter()
    subprocess.run(
        [*command, "--no-angles"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return time.perf_counter() - start


def replay_rate(workdir: Path, seconds: float, repeats: int) -> tuple[float, float, float]:
    """``(samples/s after start-up, whole process s, start-up s)``, best of ``repeats``."""
    long_file, short_file = workdir / "long.jsonl", workdir / "short.jsonl"
    n = write_recording(long_file, seconds)
    write_recording(short_file, 1.0)
    startup = min(time_replay(short_file) for _ in range(repeats))
    whole = min(time_replay(long_file) for _ in range(repeats))
    work = whole - startup
    # Below 50 ms the difference is start-up noise, not a rate.
    return (n / work if work > 0.05 else float("nan")), whole, startup


def help_seconds(repeats: int) -> float:
    """``holdfast --help`` as a process, best of ``repeats``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "service.cli", "--help"], check=True, stdout=subprocess.DEVNULL
        )
        best = min(best, time.perf_counter() - start)
    return best
