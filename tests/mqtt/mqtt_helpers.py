"""Test-side helpers: a real Mosquitto, generated recordings and certificates, a subscriber.

Mosquitto pitfalls handled here: as root it switches to the ``mosquitto`` user unless the
config says ``user root``; it drops QoS 1 messages to a slow subscriber beyond
``max_queued_messages`` (raised here); ``log_dest stderr`` is the log destination that works.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import hashlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import numpy as np

from firmware_protocol import witmotion
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2
from service.config import HoldfastSettings, load_settings
from service.mqtt.broker_embedded import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


@dataclass
class Mosquitto:
    """One broker process; ``stop``/``start`` keep the port and the persistence file."""

    directory: Path
    port: int
    tls: TlsFiles | None = None
    users: dict[str, str] | None = None
    acl: str | None = None
    """Mosquitto ACL file text (``user ...`` / ``topic read|write|readwrite ...`` lines)."""
    persistence: bool = True
    host: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)
    extra_config: list[str] = field(default_factory=list)
    """More config lines, e.g. a bridge section (``connection ...``), written last."""

    def write_config(self) -> Path:
        lines = [
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "log_type subscribe",
            "max_queued_messages 100000",
            "max_inflight_messages 0",
            f"listener {self.port} 127.0.0.1",
        ]
        if os.geteuid() == 0:
            lines.insert(0, "user root")
        if self.persistence:
            lines += [
                "persistence true",
                f"persistence_location {self.directory}/",
                "autosave_interval 1",
            ]
        if self.users is None:
            lines.append("allow_anonymous true")
        else:
            pw = self.directory / "passwd"
            pw.write_text("".join(f"{u}:{_sha512_entry(p)}\n" for u, p in self.users.items()))
            pw.chmod(0o600)
            lines += ["allow_anonymous false", f"password_file {pw}"]
        if self.acl is not None:
            acl = self.directory / "acl"
            acl.write_text(self.acl)
            lines.append(f"acl_file {acl}")
        if self.tls is not None:
            lines += [
                f"cafile {self.tls.ca}",
                f"certfile {self.tls.cert}",
                f"keyfile {self.tls.key}",
            ]
        lines += self.extra_config
        conf = self.directory / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self) -> None:
        conf = self.write_config()
        self.starts += 1
        log = self.directory / f"mosquitto-{self.starts}.log"
        self.logs.append(log)
        with log.open("wb") as err:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=err, stderr=err)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {log.read_text()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"mosquitto did not listen on {self.port}: {log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        self.proc = None

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.logs if p.exists())


def _sha512_entry(password: str) -> str:
    """Mosquitto's ``$6$`` password-file format: base64 salt, base64 sha512(pw + salt)."""
    salt = os.urandom(12)
    digest = hashlib.sha512(password.encode() + salt).digest()
    return f"$6${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def start_broker(
    brokers: list[Mosquitto], directory: Path, port: int | None = None, **kwargs: object
) -> Mosquitto:
    directory.mkdir(parents=True, exist_ok=True)
    broker = Mosquitto(directory, port or free_port(), **kwargs)  # type: ignore[arg-type]
    brokers.append(broker)
    broker.start()
    return broker


def write_bends_recording(
    path: Path, *, bends: int, rate_hz: float = 50.0, session_id: str | None = None
) -> Path:
    """A raw WitMotion recording: standing still, then ``bends`` forward bends to 60 deg.

    Mounting in the header (+y up, -z forward), so the pipeline calibrates at once. Seeded
    noise; two samples per notification like the real sensor at 50 Hz.
    """
    parts = [np.zeros(int(4 * rate_hz))]
    for _ in range(bends):
        phase = np.linspace(0.0, np.pi, int(3 * rate_hz))
        parts += [np.radians(60.0) * np.sin(phase), np.zeros(int(1.5 * rate_hz))]
    theta = np.concatenate(parts)
    up, forward = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, -1.0])
    # World "up" seen from a trunk bent forward by theta: toward the sensor's back.
    acc = STANDARD_GRAVITY_MPS2 * (np.cos(theta)[:, None] * up - np.sin(theta)[:, None] * forward)
    acc += np.random.default_rng(1).normal(0.0, 0.05, acc.shape)
    gyro = np.zeros_like(acc)
    header = {
        "format": "holdfast-raw",
        "version": 1,
        "device": "witmotion",
        "nominal_rate_hz": rate_hz,
        "start_utc": "2026-11-20T10:00:00Z",
        "sensor": "back",
        "mounting": {"up": "+y", "forward": "-z"},
    }
    if session_id is not None:
        header["session_id"] = session_id  # another session: other event ids
    lines = [json.dumps(header)]
    for i in range(0, len(acc), 2):
        payload = witmotion.encode_samples(acc[i : i + 2], gyro[i : i + 2])
        lines.append(
            json.dumps(
                {
                    "t": round((i + 2) / rate_hz, 4),
                    "uuid": witmotion.NOTIFY_UUID,
                    "hex": payload.hex(),
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def make_tls(directory: Path) -> TlsFiles:
    """A CA and a server certificate for 127.0.0.1 / localhost signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("holdfast test CA"))
        .issuer_name(name("holdfast test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    files.key.chmod(0o600)
    return files


def expected_events(recording: Path) -> list[dict[str, Any]]:
    """What ``holdfast replay --format jsonl`` prints for ``recording`` (run once per file)."""
    return [json.loads(line) for line in _replay_jsonl(str(recording))]


@functools.cache
def _replay_jsonl(recording: str) -> tuple[str, ...]:
    out = subprocess.run(
        [sys.executable, "-m", "service.cli", "replay", recording, "--format", "jsonl"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return tuple(line for line in out.splitlines() if line.strip())


def settings_for(port: int, tmp: Path, **overrides: Any) -> HoldfastSettings:
    values: dict[str, Any] = {
        "broker.host": "127.0.0.1",
        "broker.port": port,
        "broker.client_id": "holdfast-under-test",
        "broker.reconnect_min_s": 0.1,
        "broker.reconnect_max_s": 0.5,
        "broker.publish_timeout_s": 2.0,
        "journal.directory": str(tmp / "journal"),
        "recordings_dir": str(tmp / "recordings"),
    }
    values.update(overrides)
    return load_settings(None, values)


class Subscriber:
    """Subscribes (QoS 1, persistent session) and reconnects until cancelled."""

    def __init__(
        self,
        port: int,
        topics: list[str],
        client_id: str = "test-display",
        *,
        clean_session: bool = False,
        **client_kwargs: Any,
    ) -> None:
        self.port = port
        self.topics = topics
        self.client_id = client_id
        self.clean_session = clean_session
        self.client_kwargs = client_kwargs
        self.messages: list[tuple[str, bytes, bool]] = []
        self.by_topic: dict[str, list[bytes]] = defaultdict(list)
        self.subscribed = asyncio.Event()
        self.connections = 0

    async def run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client(
                    "127.0.0.1",
                    self.port,
                    identifier=self.client_id,
                    clean_session=self.clean_session,
                    **self.client_kwargs,
                ) as client:
                    self.connections += 1
                    for topic in self.topics:
                        await client.subscribe(topic, qos=1)
                    self.subscribed.set()
                    async for m in client.messages:
                        payload = m.payload if isinstance(m.payload, bytes) else b""
                        self.messages.append((str(m.topic), payload, m.retain))
                        self.by_topic[str(m.topic)].append(payload)
            except aiomqtt.MqttError:
                await asyncio.sleep(0.1)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(p) for t, p, _ in self.messages if "/event/" in t]

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
        await wait_until(predicate, timeout_s)


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Poll ``predicate`` until true; ``TimeoutError`` after ``timeout_s`` (a hang guard)."""
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


class TcpLink:
    """A TCP relay from ``port`` to ``target_port`` that a test can cut and restore: a
    network link that goes down (open connections closed, new ones refused) and comes back
    on the same port. Runs on the test's event loop."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._relays: set[asyncio.Task[Any]] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def cut(self) -> None:
        self.cuts += 1
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in list(self._writers):
            w.close()
        self._writers.clear()
        if self._relays:  # the relays end on their closed streams
            await asyncio.wait(list(self._relays), timeout=5)

    async def close(self) -> None:
        await self.cut()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._relays.add(task)
            task.add_done_callback(self._relays.discard)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, ConnectionError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._writers -= {writer, up_writer}


def start(sub: Subscriber) -> asyncio.Task[None]:
    return asyncio.get_running_loop().create_task(sub.run(), name=f"subscriber:{sub.client_id}")
