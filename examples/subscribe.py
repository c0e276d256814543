"""Subscribe to holdfast events in 20 lines: every event once, in order, duplicates dropped.

Usage: python examples/subscribe.py [HOST [PORT [COUNT]]]  (stops after COUNT events if given)
"""

import asyncio
import sys

import aiomqtt

from dsp.events import parse_event


async def main(host: str = "127.0.0.1", port: int = 1883, count: int = 0) -> None:
    seen: set[str] = set()  # delivery is at-least-once: drop repeats by id
    # A fixed client id and clean_session=False: the broker keeps our events while we are away.
    async with aiomqtt.Client(host, port, identifier="example-sub", clean_session=False) as c:
        await c.subscribe("holdfast/+/event/#", qos=1)
        async for message in c.messages:
            # Some brokers (amqtt) also send retained messages nobody asked for: filter.
            if not message.topic.matches("holdfast/+/event/+"):
                continue
            assert isinstance(message.payload, bytes)
            event = parse_event(message.payload)
            if event.id not in seen and event.type != "angle":
                seen.add(event.id)
                print(f"{event.sensor} #{event.seq} {event.t:7.2f} s {event.type}", flush=True)
            if count and len(seen) >= count:
                return


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0] if args else "127.0.0.1", *(int(a) for a in args[1:3])))
