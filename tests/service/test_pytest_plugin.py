"""The pytest plugin shipped for users: loaded by entry point, light at load, both brokers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import aiomqtt
import pytest

from service.testing import pytest_plugin
from service.testing.pytest_plugin import HoldfastBroker


def test_the_plugin_is_registered_and_imports_no_holdfast_module_at_load() -> None:
    code = (
        "import sys, importlib.metadata as md\n"
        "eps = [e for e in md.entry_points(group='pytest11') if e.name == 'holdfast']\n"
        "assert eps and eps[0].value == 'service.testing.pytest_plugin', eps\n"
        "eps[0].load()\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'scipy', 'aiomqtt', 'bleak', 'pydantic', 'dsp', 'sensor', 'amqtt')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("kind", ["mosquitto", "embedded"])
async def test_the_broker_fixture_serves_mqtt(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "embedded":
        monkeypatch.setattr(pytest_plugin, "_mosquitto_binary", lambda: None)
    broker = HoldfastBroker(tmp_path)
    broker.start()
    try:
        assert broker.kind == kind
        async with aiomqtt.Client(broker.host, broker.port, identifier="t") as client:
            await client.subscribe("x/#", qos=1)
            await client.publish("x/y", b"hello", qos=1)
            async for message in client.messages:
                assert message.payload == b"hello"
                break
    finally:
        broker.stop()
