"""serve's web display on a port taken between the check and the bind: any free port."""

from __future__ import annotations

import contextlib
import socket

import pytest
from mqtt_helpers import Mosquitto

from service import serve_displays
from service.config import HoldfastSettings


async def test_a_port_taken_after_the_check_falls_back_to_a_free_one(
    mosquitto: Mosquitto, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(serve_displays, "port_free", lambda host, port: True)  # the race
        settings = HoldfastSettings(
            broker={"host": "127.0.0.1", "port": mosquitto.port},  # type: ignore[arg-type]
            web={"port": busy},  # type: ignore[arg-type]
        )
        async with contextlib.AsyncExitStack() as stack:
            web = await serve_displays.start_web(settings, stack)
            assert web is not None
            assert web.port not in (0, busy)
