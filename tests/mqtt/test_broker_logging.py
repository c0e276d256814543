"""The embedded broker's own warnings (amqtt's "PUBACK waiter ... already done") stay out of
the user's output at the default log level and show with -v."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from service.cmd_serve import QUIET_LIBRARIES, setup_logging
from service.mqtt.broker_embedded import EmbeddedBroker

HANDLER = "amqtt.mqtt.protocol.handler"  # where the PUBACK warning comes from


@pytest.fixture(autouse=True)
def _restore_levels() -> Iterator[None]:
    names = ("", "holdfast.mqtt.paho", *QUIET_LIBRARIES)
    before = {n: logging.getLogger(n).level for n in names}
    yield
    for n, level in before.items():
        logging.getLogger(n).setLevel(level)


@pytest.mark.parametrize(("verbose", "shown"), [(0, False), (1, True), (2, True)])
async def test_amqtt_warnings_show_only_with_v(verbose: int, shown: bool) -> None:
    setup_logging(verbose)
    # The broker is started after the CLI chose the levels, as in serve and demo.
    async with EmbeddedBroker(tcp_port=0, ws_port=0):
        handler = logging.getLogger(HANDLER)
        assert handler.isEnabledFor(logging.WARNING) is shown
        assert handler.isEnabledFor(logging.ERROR)  # a broker that fails still says so
        assert not handler.isEnabledFor(logging.INFO)  # per-packet chatter: only -vvv
        assert logging.getLogger("holdfast.mqtt.broker_embedded").isEnabledFor(logging.WARNING)


async def test_amqtt_chatter_with_vvv() -> None:
    setup_logging(3)
    async with EmbeddedBroker(tcp_port=0, ws_port=0):
        assert logging.getLogger(HANDLER).isEnabledFor(logging.DEBUG)


async def test_the_broker_alone_keeps_amqtt_at_warnings() -> None:
    """Used as a library (no CLI): amqtt's per-packet INFO lines are off, warnings on."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET)
    async with EmbeddedBroker(tcp_port=0, ws_port=0):
        handler = logging.getLogger(HANDLER)
        assert handler.isEnabledFor(logging.WARNING)
        assert not handler.isEnabledFor(logging.INFO)
