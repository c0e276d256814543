"""A display's broker connection: sorting topics, and stopping while it connects."""

from __future__ import annotations

import asyncio

from service.config import BrokerSettings
from service.displays.feed import BrokerFeed, classify, stop_task


def test_classify_keeps_what_displays_draw_and_drops_the_rest() -> None:
    assert classify("holdfast", "holdfast/status", b"online").kind == "service_status"  # type: ignore[union-attr]
    state = classify("holdfast", "holdfast/back/state", b'{"sensor": "back"}')
    assert state is not None
    assert (state.kind, state.sensor, state.payload) == ("state", "back", {"sensor": "back"})
    rep = classify("holdfast", "holdfast/back/event/rep", b'{"type": "rep"}')
    assert rep is not None
    assert rep.kind == "event"
    # Retained junk the embedded broker sends unasked, other prefixes, commands, bad JSON:
    for topic, payload in (
        ("homeassistant/sensor/holdfast_back/hold_timer/config", b"{}"),
        ("holdfast/schema/events", b"{}"),
        ("holdfast/back/cmd/calibrate", b"{}"),
        ("other/back/state", b"{}"),
        ("holdfast/back/state", b"not json"),
        ("holdfast/back/event/rep", b"[1, 2]"),
    ):
        assert classify("holdfast", topic, payload) is None, topic


async def test_stopping_a_display_while_it_connects_to_a_silent_broker() -> None:
    """A broker that accepts the connection and never answers: stop must not wait for it."""
    accepted = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        accepted.set()
        await reader.read()  # never answers CONNECT; returns when the client hangs up

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        feed = BrokerFeed(BrokerSettings(host="127.0.0.1", port=port), "holdfast")
        task = asyncio.get_running_loop().create_task(feed.run(lambda m: None))
        async with asyncio.timeout(10):
            await accepted.wait()
        await asyncio.sleep(0.1)
        async with asyncio.timeout(3):
            await stop_task(task)
        assert task.done()
        assert not feed.connected.is_set()
    finally:
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()
