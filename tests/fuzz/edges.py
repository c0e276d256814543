"""Fuzz targets shared by the Hypothesis tests (test_fuzz_edges.py) and the long atheris run
(run_atheris.py): each takes bytes from outside and must raise nothing but a HoldfastError."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.errors import HoldfastError
from firmware_protocol.registry import PROFILES
from firmware_protocol.samples import SampleBatch
from sensor.recording import RawRecording
from sensor.replay import Recording
from sensor.samples_csv import SamplesCsv
from service.chain import apply_item
from service.config import load_settings
from service.mqtt.commands import CommandRouter
from service.mqtt.topics import Topics

HEADER = {
    "format": "holdfast-raw",
    "version": 1,
    "device": "witmotion",
    "nominal_rate_hz": 50.0,
    "start_utc": "2026-11-20T10:00:00Z",
}
WITMOTION_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"


def decoders(data: bytes) -> None:
    """Every device decoder, fed ``data`` split into notifications at 0xFF bytes."""
    for profile in PROFILES.values():
        decoder = profile.make_decoder()
        for chunk in data.split(b"\xff"):
            decoder.feed(chunk)


def _in_file(data: bytes, suffix: str, read: Callable[[Path], object]) -> None:
    fd, name = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with contextlib.suppress(HoldfastError):
            read(Path(name))
    finally:
        os.unlink(name)


def raw_recording(data: bytes) -> None:
    """A raw recording from arbitrary bytes, strictly and with --skip-bad."""

    def read(path: Path) -> None:
        list(RawRecording(path, skip_bad=True))
        list(RawRecording(path))

    _in_file(data, ".jsonl", read)


def raw_recording_gz(data: bytes) -> None:
    _in_file(data, ".jsonl.gz", lambda p: list(RawRecording(p, skip_bad=True)))


def samples_csv(data: bytes) -> None:
    def read(path: Path) -> None:
        for skip_bad in (True, False):
            for _ in SamplesCsv(path, skip_bad=skip_bad).batches("x", 64):
                pass

    _in_file(data, ".csv", read)


def replay_through_pipeline(data: bytes, header: dict[str, object] | None = None) -> None:
    """A recording whose header (``header`` merged in) and lines come from outside, replayed
    through the whole chain: finding 1 (a header value crashing a filter) lives here."""
    head = json.dumps({**HEADER, **(header or {})}).encode()

    def run(path: Path) -> None:
        recording = Recording(path, skip_bad=True)
        pipeline = Pipeline("x", "s", PipelineSettings(), None)
        t = 0.0
        for item in recording.items():
            apply_item(pipeline, item)
            if isinstance(item, SampleBatch):
                t = float(item.t_host_s[-1])
        pipeline.finish(t)

    _in_file(head + b"\n" + data, ".jsonl", run)


def config_toml(data: bytes) -> None:
    def read(path: Path) -> None:
        load_settings(path)

    _in_file(data, ".toml", read)


def command(data: bytes) -> None:
    """One command message: topic and payload split at the first newline."""

    class Target:
        def calibrate_now(self) -> None: ...
        def set_exercise(self, name: str | None) -> None: ...
        def set_hold_target(self, seconds: float) -> None: ...
        def start_recording(self) -> Path:
            return Path("/nonexistent")

        def stop_recording(self) -> Path | None:
            return None

    suffix, _, payload = data.partition(b"\n")
    router = CommandRouter(Topics("holdfast", "homeassistant"), lambda: {"back": Target()})
    topic = "holdfast/" + suffix.decode("utf-8", "replace")
    for reply in router.handle(topic, payload):
        if len(reply.payload) > 2000:
            raise AssertionError(f"reply of {len(reply.payload)} characters")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "decoders": decoders,
    "raw_recording": raw_recording,
    "raw_recording_gz": raw_recording_gz,
    "samples_csv": samples_csv,
    "replay": replay_through_pipeline,
    "config": config_toml,
    "command": command,
}
