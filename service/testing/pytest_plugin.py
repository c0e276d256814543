"""pytest fixtures: a private MQTT broker and holdfast replaying a recording into it.

Installed with holdfast and loaded by pytest automatically (entry point ``pytest11``)::

    async def test_my_display(holdfast_broker, holdfast_replay, holdfast_simulated):
        display = MyDisplay(holdfast_broker.host, holdfast_broker.port)
        ...  # start it
        await holdfast_replay(holdfast_simulated("toe_touch"), speed=50)
        assert display.reps == 10

- ``holdfast_broker``: a broker of its own on a free port of 127.0.0.1 for one test:
  Mosquitto when it is installed (``mosquitto`` on the PATH or in /usr/sbin), else holdfast's
  embedded broker. ``.host``, ``.port``; stopped after the test.
- ``holdfast_replay``: ``await holdfast_replay(path, speed=20.0)`` runs ``holdfast serve`` on
  that recording (raw ``.jsonl[.gz]`` or samples ``.csv``) against ``holdfast_broker`` and
  returns when every event was published. ``speed`` times real time (``None``: as fast as
  possible; the QoS 0 ``angle`` topic, live data, then skips what the broker cannot take).
  Also ``exercise=`` and any setting by dotted name (``settings={"mqtt.topic_prefix": "x"}``).
  ``holdfast_replay.run(...)``: the same from a synchronous test.
- ``holdfast_simulated(script="demo", device="witmotion", seed=1)``: the built-in simulator
  writes a raw recording of a script (built-in name or a TOML path) and returns its path.

This module imports only pytest and the standard library when pytest loads it: holdfast
itself is imported by the fixtures that are used, so other test suites pay nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((p for p in MOSQUITTO_PATHS if Path(p).exists()), None)


def _wait_listening(port: int, timeout_s: float, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the broker for port {port} exited")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"no broker listening on 127.0.0.1:{port} after {timeout_s:g} s")


class HoldfastBroker:
    """A running broker: ``host``, ``port`` and ``kind`` (``mosquitto`` or ``embedded``)."""

    def __init__(self, directory: Path) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.directory = directory
        self.kind = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._stop_embedded: Callable[[], None] | None = None

    def start(self) -> None:
        binary = _mosquitto_binary()
        if binary is not None:
            self._start_mosquitto(binary)
        else:
            self._start_embedded()

    def _start_mosquitto(self, binary: str) -> None:
        self.kind = "mosquitto"
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n")
        log = (self.directory / "mosquitto.log").open("wb")
        self._process = subprocess.Popen([binary, "-c", str(conf)], stdout=log, stderr=log)
        log.close()
        process = self._process
        _wait_listening(self.port, 10.0, lambda: process.poll() is None)

    def _start_embedded(self) -> None:
        from service.mqtt.broker_embedded import EmbeddedBroker

        self.kind = "embedded"
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()

        async def serve() -> None:
            async with EmbeddedBroker(self.host, self.port, 0):
                ready.set()
                await stop.wait()

        def run() -> None:
            loop.run_until_complete(serve())
            loop.close()

        self._thread = threading.Thread(target=run, name="holdfast-broker", daemon=True)
        self._thread.start()

        def stop_soon() -> None:
            loop.call_soon_threadsafe(stop.set)

        self._stop_embedded = stop_soon
        if not ready.wait(10.0):  # set once the broker listens (no probe: amqtt would log it)
            raise RuntimeError("the embedded broker did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(5.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._stop_embedded is not None and self._thread is not None:
            self._stop_embedded()
            self._thread.join(10.0)
            self._stop_embedded = None


class HoldfastReplay:
    """``await replay(path, speed=20.0)``: serve a recording into the broker until it ends."""

    def __init__(self, broker: HoldfastBroker, directory: Path) -> None:
        self.broker = broker
        self.directory = directory
        self.runs = 0

    async def __call__(
        self,
        recording: Path | str,
        *,
        speed: float | None = 20.0,
        exercise: str | None = None,
        sensor: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        from sensor.replay import Recording, ReplaySource
        from service.app import App, SourceSpec
        from service.config import load_settings

        self.runs += 1
        work = self.directory / f"replay-{self.runs}"
        values: dict[str, Any] = {
            "broker.host": self.broker.host,
            "broker.port": self.broker.port,
            "broker.client_id": f"holdfast-replay-{self.runs}",
            "journal.directory": str(work / "journal"),
            "recordings_dir": str(work / "recordings"),
            **(settings or {}),
        }
        rec = Recording(recording, sensor=sensor)
        info = rec.info
        mounting = (info.mounting.up, info.mounting.forward) if info.mounting else None
        source = ReplaySource(rec, realtime=speed is not None, speed=speed or 1.0)
        spec = SourceSpec(source, info.session_id, mounting)
        await App(load_settings(None, values), [spec], exercise=exercise).run()

    def run(self, recording: Path | str, **kwargs: Any) -> None:
        """The same from a synchronous test (runs its own event loop)."""
        asyncio.run(self(recording, **kwargs))


@pytest.fixture
def holdfast_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HoldfastBroker]:
    """A private MQTT broker on a free port for this test (Mosquitto, else embedded)."""
    broker = HoldfastBroker(tmp_path_factory.mktemp("holdfast-broker"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def holdfast_replay(
    holdfast_broker: HoldfastBroker, tmp_path_factory: pytest.TempPathFactory
) -> HoldfastReplay:
    """``await holdfast_replay(path, speed=...)`` replays a recording into ``holdfast_broker``."""
    return HoldfastReplay(holdfast_broker, tmp_path_factory.mktemp("holdfast-replay"))


@pytest.fixture
def holdfast_simulated(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``holdfast_simulated("toe_touch")``: a raw recording of a simulated session."""

    def make(script: str = "demo", device: str | None = None, seed: int = 1) -> Path:
        from firmware_protocol.registry import SIMULATED_MODEL
        from sensor.simulator.output import write_simulation
        from sensor.simulator.script import load_script
        from sensor.simulator.session import SimulationSettings, simulate

        loaded = load_script(script)
        path = tmp_path_factory.mktemp("holdfast-sim") / f"{loaded.name}-{seed}.jsonl"
        write_simulation(
            simulate(loaded, SimulationSettings(seed=seed)), path, device or SIMULATED_MODEL
        )
        return path

    return make
