"""``python -m fakebluez --bus ADDRESS [--device MODEL,ADDRESS,NAME[,SCRIPT] ...]``.

Owns ``org.bluez`` on the given bus, prints ``ready`` once it does, and runs until SIGTERM
(graceful: links drop and objects are removed, like bluetoothd stopping) or SIGKILL (a
crash: nothing is announced).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys

from dbus_fast import BusType, RequestNameReply
from dbus_fast.aio import MessageBus

from fakebluez.control import CONTROL_PATH, Control
from fakebluez.world import World

SEND_BUFFER_BYTES = 8 << 20


def _widen_send_buffer(bus: MessageBus) -> None:
    # dbus-fast 5.2 treats EAGAIN from send() as fatal and drops the connection. Bursts of
    # notifications from several devices can fill the default ~200 kB socket buffer when
    # the daemon is briefly starved of CPU, so give the socket room (root may force it).
    sock: socket.socket = bus._sock  # no public handle on it
    for option in (getattr(socket, "SO_SNDBUFFORCE", None), socket.SO_SNDBUF):
        if option is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, SEND_BUFFER_BYTES)
        except OSError:
            continue
        return


async def serve(bus_address: str, devices: list[tuple[str, ...]]) -> None:
    bus = await MessageBus(bus_address=bus_address, bus_type=BusType.SYSTEM).connect()
    _widen_send_buffer(bus)
    world = World(bus)
    world.start()
    bus.export(CONTROL_PATH, Control(world))
    for spec in devices:
        world.add_device(*spec)
    reply = await bus.request_name("org.bluez")
    if reply != RequestNameReply.PRIMARY_OWNER:
        raise SystemExit(f"fakebluez: could not own org.bluez ({reply})")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    world.shutdown()
    await asyncio.sleep(0.1)  # let the removal signals leave before the socket closes
    bus.disconnect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fakebluez")
    parser.add_argument("--bus", required=True)
    parser.add_argument(
        "--device",
        action="append",
        default=[],
        help="MODEL,ADDRESS,NAME[,SCRIPT] (SCRIPT: a built-in simulator script to stream)",
    )
    args = parser.parse_args(argv)
    devices = [tuple(spec.split(",", 3)) for spec in args.device]
    asyncio.run(serve(args.bus, devices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
