"""Issue 14 findings 3 and 8 at the command handler: deep, huge and loosely typed payloads.

The router is called directly (the MQTT path around it is covered in tests/mqtt); what is
checked is the reply a display would get and what the service writes to its log.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from service.mqtt.commands import MAX_ERROR_CHARS, CommandRouter
from service.mqtt.topics import Topics


class _Target:
    def __init__(self) -> None:
        self.hold_targets: list[float] = []

    def calibrate_now(self) -> None:
        pass

    def set_exercise(self, name: str | None) -> None:
        pass

    def set_hold_target(self, seconds: float) -> None:
        self.hold_targets.append(seconds)

    def start_recording(self) -> Path:
        return Path("/nonexistent")

    def stop_recording(self) -> Path | None:
        return None


def _router() -> tuple[CommandRouter, _Target]:
    target = _Target()
    return CommandRouter(Topics("holdfast", "homeassistant"), lambda: {"back": target}), target


def _reply(router: CommandRouter, name: str, payload: bytes, sensor: str = "back") -> dict:
    (message,) = router.handle(f"holdfast/{sensor}/cmd/{name}", payload)
    assert message.topic == f"holdfast/{sensor}/reply"
    return json.loads(message.payload)


def test_finding3_a_deeply_nested_payload_is_refused_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    router, _ = _router()
    with caplog.at_level(logging.WARNING):
        reply = _reply(router, "calibrate", b"[" * 100_000)
        deep_but_small = _reply(router, "calibrate", b"[" * 3000)
    assert not reply["ok"]
    assert "larger than 4096" in reply["error"]
    assert not deep_but_small["ok"]
    assert "nested deeper than 8" in deep_but_small["error"]
    assert "Traceback" not in caplog.text
    assert "RecursionError" not in caplog.text + reply["error"] + deep_but_small["error"]


def test_finding8_a_megabyte_payload_is_not_echoed_or_logged_whole(
    caplog: pytest.LogCaptureFixture,
) -> None:
    router, _ = _router()
    huge_id = json.dumps({"seconds": "x" * 1_000_000, "request_id": "r" * 1_000_000}).encode()
    with caplog.at_level(logging.DEBUG):
        (message,) = router.handle("holdfast/back/cmd/hold_target", huge_id)
        (wrong_name,) = router.handle("holdfast/back/cmd/" + "n" * 100_000, b"{}")
    assert len(message.payload) < 1000
    assert len(wrong_name.payload) < 1000
    assert not json.loads(message.payload)["ok"]
    assert len(caplog.text) < 2000
    medium = json.dumps({"seconds": 5, "request_id": "q" * 3000}).encode()
    reply = _reply(router, "hold_target", medium)
    assert not reply["ok"]
    assert len(reply["error"]) <= MAX_ERROR_CHARS
    assert len(reply["request_id"]) <= 128


@pytest.mark.parametrize("bad", ["true", "false", '"30"', "NaN", "Infinity", "1e400", "null"])
def test_finding8_seconds_must_be_a_real_number(bad: str) -> None:
    router, target = _router()
    reply = _reply(router, "hold_target", f'{{"seconds": {bad}}}'.encode())
    assert not reply["ok"], reply
    assert target.hold_targets == []


def test_valid_hold_target_still_applies() -> None:
    router, target = _router()
    assert _reply(router, "hold_target", b'{"seconds": 30, "request_id": "a"}')["ok"]
    assert _reply(router, "hold_target", b'{"seconds": 12.5}')["ok"]
    assert target.hold_targets == [30.0, 12.5]


def test_invalid_utf8_payload_is_a_refusal() -> None:
    router, _ = _router()
    reply = _reply(router, "calibrate", b'{"request_id": "\xff"}')
    assert not reply["ok"]
    assert "UTF-8" in reply["error"]
