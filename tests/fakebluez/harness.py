"""Test-side helpers: a private dbus-daemon, the fake BlueZ process and its control client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbus_fast import BusType, Message, MessageType, unpack_variants
from dbus_fast.aio import MessageBus

from fakebluez.control import CONTROL_INTERFACE, CONTROL_PATH

DBUS_DAEMON = "/usr/bin/dbus-daemon"
_TESTS_DIR = Path(__file__).resolve().parents[1]

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
  </policy>
  <!-- streams of notifications must never be throttled or dropped by the bus itself -->
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">33554432</limit>
  <limit name="reply_timeout">60000</limit>
</busconfig>
"""


def _close_pipes(proc: subprocess.Popen[str]) -> None:
    if proc.stdout is not None:
        proc.stdout.close()


class PrivateBus:
    """A dbus-daemon of our own on a unix socket in ``workdir``; ``address`` for clients."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        socket_path = workdir / "system_bus_socket"
        config = workdir / "bus.conf"
        config.write_text(_BUS_CONFIG.format(socket=socket_path), encoding="utf-8")
        with (workdir / "dbus-daemon.log").open("a", encoding="utf-8") as log:
            self.proc = subprocess.Popen(
                [DBUS_DAEMON, f"--config-file={config}", "--nofork", "--print-address"],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.proc.stdout is not None
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            self.proc.kill()
            self.proc.wait()
            _close_pipes(self.proc)
            raise RuntimeError("dbus-daemon did not print its address")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        _close_pipes(self.proc)


@dataclass(frozen=True)
class DeviceSpec:
    model: str
    address: str
    name: str
    script: str = ""  # a sensor.simulator built-in script to stream instead of synthetic bends

    def arg(self) -> str:
        tail = f",{self.script}" if self.script else ""
        return f"{self.model},{self.address},{self.name}{tail}"


class FakeBlueZ:
    """The fake as a child process: ``start``, ``kill`` (crash), ``stop`` (graceful)."""

    def __init__(self, bus_address: str, devices: list[DeviceSpec], log_path: Path) -> None:
        self.bus_address = bus_address
        self.devices = list(devices)
        self.log_path = log_path
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_TESTS_DIR), env.get("PYTHONPATH", "")) if p
        )
        cmd = [sys.executable, "-m", "fakebluez", "--bus", self.bus_address]
        for dev in self.devices:
            cmd += ["--device", dev.arg()]
        log = self.log_path.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        log.close()
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.proc.kill()
            self.proc.wait()
            _close_pipes(self.proc)
            log_text = self.log_path.read_text(encoding="utf-8")
            raise RuntimeError(f"fakebluez did not start (said {line!r}):\n{log_text}")

    def kill(self) -> None:
        """A crash: SIGKILL, nothing announced on the bus."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            _close_pipes(self.proc)
            self.proc = None

    def stop(self) -> None:
        """A graceful stop: SIGTERM, links drop and objects are removed first."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            _close_pipes(self.proc)
            self.proc = None

    def restart(self) -> None:
        self.kill()
        self.start()


class FakeControl:
    """Async client of the fake's control interface (its own bus connection)."""

    def __init__(self, bus_address: str) -> None:
        self.bus_address = bus_address
        self._bus: MessageBus | None = None

    async def _call(self, member: str, signature: str = "", body: list[Any] | None = None) -> Any:
        if self._bus is None or not self._bus.connected:
            self._bus = await MessageBus(
                bus_address=self.bus_address, bus_type=BusType.SYSTEM
            ).connect()
        reply = await self._bus.call(
            Message(
                destination="org.bluez",
                path=CONTROL_PATH,
                interface=CONTROL_INTERFACE,
                member=member,
                signature=signature,
                body=body or [],
            )
        )
        assert reply is not None
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"fakebluez {member}: {reply.error_name} {reply.body}")
        return reply.body[0] if reply.body else None

    async def add_device(self, spec: DeviceSpec) -> None:
        await self._call("AddDevice", "ssss", [spec.model, spec.address, spec.name, spec.script])

    async def forget(self, address: str) -> None:
        await self._call("Forget", "s", [address])

    async def drop_link(self, address: str) -> None:
        await self._call("DropLink", "s", [address])

    async def set_in_range(self, address: str, in_range: bool) -> None:
        await self._call("SetInRange", "sb", [address, in_range])

    async def inject_garbage(self, address: str, payload: bytes) -> None:
        await self._call("InjectGarbage", "say", [address, payload])

    async def set_streaming(self, enabled: bool) -> None:
        await self._call("SetStreaming", "b", [enabled])

    async def stats(self, address: str) -> dict[str, Any]:
        result: dict[str, Any] = unpack_variants(await self._call("Stats", "s", [address]))
        return result

    def close(self) -> None:
        if self._bus is not None:
            self._bus.disconnect()
            self._bus = None
