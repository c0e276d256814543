"""The embedded broker's stop always ends, even when amqtt's own shutdown never returns."""

from __future__ import annotations

import asyncio

import pytest

from service.mqtt.broker_embedded import EmbeddedBroker, port_free


async def test_a_hanging_amqtt_shutdown_is_cut_short_and_the_port_freed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = EmbeddedBroker("127.0.0.1", 0, 0, shutdown_timeout_s=0.5)
    await broker.start()
    assert not port_free("127.0.0.1", broker.tcp_port)
    amqtt_broker = broker._broker
    never = asyncio.Event()

    async def hang() -> None:
        await never.wait()

    amqtt_broker.shutdown = hang
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(10):  # a hang guard, not a timing assertion
        await broker.stop()
    assert loop.time() - started >= 0.5  # it did wait for amqtt first
    assert "did not shut down" in caplog.text
    assert port_free("127.0.0.1", broker.tcp_port)


async def test_a_normal_stop_frees_the_port() -> None:
    broker = EmbeddedBroker("127.0.0.1", 0, 0)
    async with broker:
        assert not port_free("127.0.0.1", broker.tcp_port)
    assert port_free("127.0.0.1", broker.tcp_port)
