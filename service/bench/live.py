"""Live: many simulated sensors at 100 Hz served by one process, through a real Mosquitto.

Each sensor is a :class:`PacedSource`: one sample per notification at 100 Hz on the wall
clock, handed out in batches every ``batch_interval_s`` exactly like the BLE source does
(:class:`sensor.ble.BleSettings`). A sample's host time is the moment its notification is due,
so an angle event's ``t`` is the moment its sample arrived (the chain's host clock follows
perfectly periodic arrivals exactly). Two latencies from that moment:

- to the MQTT client: when the service calls ``aiomqtt.Client.publish`` for the angle topic
  (recorded by a wrapper installed for the run only);
- end to end: when a subscriber in its own process receives it from Mosquitto.

Both share ``time.monotonic`` (one clock for every process on Linux). CPU is this process's
user + system time over the measured window (the subscriber and Mosquitto are not in it).
The first ``warmup_s`` are left out (imports, connections, calibration).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from firmware_protocol.samples import SampleBatch
from sensor.source import SourceItem
from service.bench import session
from service.mqtt.broker_embedded import free_port

LOOP_S = 60.0
"""Each sensor plays a one-minute session over and over (standing at both ends)."""


class PacedSource:
    """A sensor at ``rate_hz`` on the wall clock, batched like the BLE source."""

    def __init__(
        self, sensor_id: str, t0_s: float, duration_s: float, batch_interval_s: float, seed: int
    ) -> None:
        self._sensor_id = sensor_id
        self._t0 = t0_s
        self._duration = duration_s
        self._batch_interval = batch_interval_s
        _, self._acc, self._gyro = session.samples(LOOP_S, seed)
        self._phase = random.Random(seed).uniform(0.0, 1.0 / session.RATE_HZ)

    @property
    def sensor_id(self) -> str:
        return self._sensor_id

    def __aiter__(self) -> AsyncIterator[SourceItem]:
        return self._items()

    async def _items(self) -> AsyncIterator[SourceItem]:
        period = 1.0 / session.RATE_HZ
        total = round(self._duration * session.RATE_HZ)
        loop_n = self._acc.shape[0]
        sent = 0
        # Sources start out of step, like sensors connected one after another.
        await asyncio.sleep(self._phase * 5)
        while sent < total:
            now = time.monotonic() - self._t0
            due = min(total, int((now - self._phase) / period) + 1)
            if due > sent:
                idx = np.arange(sent, due)
                yield SampleBatch(
                    sensor=self._sensor_id,
                    t_host_s=np.round(self._phase + idx * period, 6),
                    acc_mps2=self._acc[idx % loop_n],
                    gyro_dps=self._gyro[idx % loop_n],
                    t_device_s=None,
                    nominal_rate_hz=session.RATE_HZ,
                )
                sent = due
            await asyncio.sleep(self._batch_interval if self._batch_interval > 0 else period)


@dataclass
class LiveResult:
    sensors: int
    to_client_ms: list[float]
    end_to_end_ms: list[float]
    cpu_pct: float
    measured_s: float
    messages_per_s: float = 0.0  # every publish of the run, per second of it
    bytes_per_s: float = 0.0  # topic + payload bytes of those

    @staticmethod
    def percentile(values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")


class _PublishTap:
    """Records when the service hands each angle-topic message to the MQTT client."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, bytes]] = []
        self.messages = 0  # every publish (events, angles, state), for broker sizing
        self.payload_bytes = 0

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        import aiomqtt

        original = aiomqtt.Client.publish
        calls = self.calls
        tap = self

        async def publish(client: Any, topic: str, payload: Any = None, **kwargs: Any) -> Any:
            raw = payload.encode() if isinstance(payload, str) else (payload or b"")
            tap.messages += 1
            tap.payload_bytes += len(raw) + len(topic)
            if topic.endswith("/angle") and "/event/" not in topic:
                calls.append((time.monotonic(), raw))
            return await original(client, topic, payload, **kwargs)

        aiomqtt.Client.publish = publish  # type: ignore[method-assign, assignment]
        try:
            yield
        finally:
            aiomqtt.Client.publish = original  # type: ignore[method-assign]


_SUBSCRIBER = """
import asyncio, signal, sys, time, aiomqtt
async def receive(client, out):
    async for m in client.messages:
        out.append(f"{time.monotonic():.6f} {m.payload.decode()}")
async def main(port, topic):
    out = []
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with aiomqtt.Client("127.0.0.1", port, identifier="holdfast-bench-sub") as client:
        await client.subscribe(topic, qos=0)
        print("ready", flush=True)
        task = asyncio.create_task(receive(client, out))
        await stop.wait()
        task.cancel()
    sys.stdout.write("\\n".join(out) + "\\n")
asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"""


@dataclass(frozen=True)
class Broker:
    port: int
    pid: int

    def cpu_s(self) -> float:
        """User + system CPU seconds the broker process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def mosquitto(workdir: Path, *, nodelay: bool = True) -> Iterator[int | None]:
    """A Mosquitto on a free localhost port (``None`` when it is not installed)."""
    with mosquitto_broker(workdir, nodelay=nodelay) as broker:
        yield None if broker is None else broker.port


@contextlib.contextmanager
def mosquitto_broker(workdir: Path, *, nodelay: bool = True) -> Iterator[Broker | None]:
    """:func:`mosquitto` with the broker's process id (to read its CPU time)."""
    exe = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if exe is None:
        yield None
        return
    port = free_port()
    config = workdir / "mosquitto.conf"
    lines = [
        "log_dest stderr",
        "log_type error",
        "max_queued_messages 100000",
        # Mosquitto leaves Nagle's algorithm on by default: ~40 ms on a hop with small
        # messages. docs/performance.md recommends this for deployments too.
        f"set_tcp_nodelay {'true' if nodelay else 'false'}",
        f"listener {port} 127.0.0.1",
        "allow_anonymous true",
    ]
    if os.geteuid() == 0:
        lines.insert(0, "user root")
    config.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen([exe, "-c", str(config)], stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        yield Broker(port, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_port(port: int, timeout_s: float = 10.0) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"mosquitto did not listen on port {port}")


def _latencies(records: list[tuple[float, bytes]], t0: float, warmup_s: float) -> list[float]:
    out = []
    for received, payload in records:
        t = json.loads(payload)["t"]
        if t >= warmup_s:
            out.append((received - t0 - t) * 1e3)
    return out


def run_live(
    sensors: int,
    duration_s: float,
    workdir: Path,
    port: int,
    *,
    batch_interval_s: float,
    warmup_s: float = 3.0,
) -> LiveResult:
    """``sensors`` paced sources through one App to the Mosquitto on ``port``."""
    from service.app import App, SourceSpec
    from service.config import load_settings

    settings = load_settings(
        None,
        {
            "broker.host": "127.0.0.1",
            "broker.port": port,
            "broker.client_id": f"holdfast-bench-{sensors}",
            "journal.directory": str(workdir / f"journal-{sensors}"),
            "recordings_dir": str(workdir / "recordings"),
        },
    )
    topic = f"{settings.mqtt.topic_prefix}/+/angle"
    sub = subprocess.Popen(
        [sys.executable, "-c", _SUBSCRIBER, str(port), topic],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sub.stdout is not None
    if sub.stdout.readline().strip() != "ready":
        sub.kill()
        raise RuntimeError("the benchmark's subscriber did not start")
    tap = _PublishTap()
    t0 = time.monotonic() + 0.5
    specs = [
        SourceSpec(
            PacedSource(f"s{i:02d}", t0, duration_s + warmup_s, batch_interval_s, seed=i + 1),
            f"bench/s{i:02d}",
            session.MOUNTING,
        )
        for i in range(sensors)
    ]
    cpu: list[float] = []

    async def measure_cpu() -> None:
        await asyncio.sleep(max(0.0, t0 + warmup_s - time.monotonic()))
        cpu.append(_cpu_s())
        cpu.append(time.monotonic())
        await asyncio.sleep(duration_s)
        cpu.append(_cpu_s())
        cpu.append(time.monotonic())

    async def main() -> None:
        app = App(settings, specs, flush_timeout_s=5.0)
        meter = asyncio.get_running_loop().create_task(measure_cpu())
        await app.run()
        await meter

    try:
        with tap.installed():
            asyncio.run(main())
        time.sleep(0.5)
    finally:
        sub.terminate()
        received_text, _ = sub.communicate(timeout=10)
    received = []
    for line in received_text.splitlines():
        stamp, _, payload = line.partition(" ")
        with contextlib.suppress(ValueError):
            received.append((float(stamp), payload.encode()))
    cpu_s = cpu[2] - cpu[0]
    wall_s = cpu[3] - cpu[1]
    run_s = duration_s + warmup_s
    return LiveResult(
        sensors,
        _latencies(tap.calls, t0, warmup_s),
        _latencies(received, t0, warmup_s),
        cpu_s / wall_s * 100,
        wall_s,
        tap.messages / run_s,
        tap.payload_bytes / run_s,
    )


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
