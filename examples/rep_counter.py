"""A tiny display: counts reps and remembers the last alert, from holdfast's MQTT events.

Usage: python examples/rep_counter.py [HOST [PORT]]   (what examples/test_my_display.py tests)
"""

import asyncio
import sys

import aiomqtt

from dsp.events import FlexionAlertEvent, RepEvent, SessionSummaryEvent, parse_event


class RepCounter:
    def __init__(self, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.host, self.port = host, port
        self.reps: dict[str, int] = {}
        self.alerts: list[str] = []
        self.ended = asyncio.Event()
        self.ready = asyncio.Event()
        self._seen: set[str] = set()  # delivery is at-least-once: drop repeats by id

    async def run(self) -> None:
        async with aiomqtt.Client(self.host, self.port, identifier="rep-counter") as client:
            await client.subscribe("holdfast/+/event/#", qos=1)
            self.ready.set()
            async for message in client.messages:
                if not isinstance(message.payload, bytes) or not message.topic.matches(
                    "holdfast/+/event/+"
                ):
                    continue
                event = parse_event(message.payload)
                if event.id in self._seen:
                    continue
                self._seen.add(event.id)
                if isinstance(event, RepEvent):
                    self.reps[event.exercise] = self.reps.get(event.exercise, 0) + 1
                elif isinstance(event, FlexionAlertEvent):
                    self.alerts.append(event.reason)
                elif isinstance(event, SessionSummaryEvent):
                    self.ended.set()


async def main(host: str, port: int) -> None:
    counter = RepCounter(host, port)
    task = asyncio.create_task(counter.run())
    await counter.ended.wait()
    task.cancel()
    print(counter.reps, counter.alerts)


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0] if args else "127.0.0.1", int(args[1]) if len(args) > 1 else 1883))
