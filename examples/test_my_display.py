"""Testing a display against a recorded session with holdfast's pytest plugin.

The plugin comes with holdfast (nothing to configure): ``holdfast_broker`` is a private MQTT
broker, ``holdfast_replay`` serves a recording into it, ``holdfast_simulated`` writes a
simulated session. Run: ``pytest examples/test_my_display.py``.
"""

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rep_counter import RepCounter

from service.testing.pytest_plugin import HoldfastBroker, HoldfastReplay


async def test_the_display_counts_ten_toe_touches_and_warns(
    holdfast_broker: HoldfastBroker,
    holdfast_replay: HoldfastReplay,
    holdfast_simulated: Callable[..., Path],
) -> None:
    recording = holdfast_simulated("toe_touch")  # 10 deep toe touches
    display = RepCounter(holdfast_broker.host, holdfast_broker.port)
    task = asyncio.create_task(display.run())
    await asyncio.wait_for(display.ready.wait(), 10)
    await holdfast_replay(recording, speed=50)  # a 60 s session in about a second
    await asyncio.wait_for(display.ended.wait(), 10)
    task.cancel()
    assert display.reps == {"toe_touch": 10}
    assert "repeated" in display.alerts
