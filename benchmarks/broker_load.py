"""What one Mosquitto core costs per message of the kind holdfast publishes.

    .venv/bin/python benchmarks/broker_load.py [--seconds 5] [--qos 1] [--bytes 200]
        [--subscribers 2]

Starts a Mosquitto on a free port, publishes messages of ``--bytes`` (an angle event is ~190
bytes of JSON) from one client with 32 publishes in flight, to ``--subscribers`` clients that
subscribe to everything (a display and the history recorder), and reads the broker's own CPU
time from /proc. Prints messages in, messages delivered, and broker CPU microseconds per
message in: the figure docs/performance.md sizes a clinic's broker with. One publisher on a
shared machine is a floor for throughput, not a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiomqtt

from service.bench.live import Broker, mosquitto_broker


async def _subscriber(port: int, ready: asyncio.Event, counts: list[int], k: int) -> None:
    async with aiomqtt.Client("127.0.0.1", port, identifier=f"bench-sub-{k}") as client:
        await client.subscribe("load/#", qos=1)
        ready.set()
        async for _ in client.messages:
            counts[k] += 1


async def run(broker: Broker, seconds: float, qos: int, size: int, subscribers: int) -> None:
    counts = [0] * subscribers
    readies = [asyncio.Event() for _ in range(subscribers)]
    tasks = [
        asyncio.create_task(_subscriber(broker.port, readies[k], counts, k))
        for k in range(subscribers)
    ]
    for ready in readies:
        await ready.wait()
    payload = b"x" * size
    sent = 0
    async with aiomqtt.Client("127.0.0.1", broker.port, identifier="bench-pub") as client:
        client.pending_calls_threshold = 1000
        cpu0, t0 = broker.cpu_s(), time.monotonic()
        while time.monotonic() - t0 < seconds:
            await asyncio.gather(
                *(
                    client.publish(f"load/s{i % 32}/event/angle", payload, qos=qos)
                    for i in range(32)
                )
            )
            sent += 32
        deadline = time.monotonic() + 30.0  # let deliveries finish (a slow subscriber)
        while sum(counts) < sent * subscribers and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        cpu = broker.cpu_s() - cpu0
        wall = time.monotonic() - t0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(f"published {sent} in {seconds:g} s ({sent / seconds:,.0f} msg/s), qos {qos}, {size} B")
    print(f"delivered {sum(counts)} to {subscribers} subscribers")
    print(f"broker CPU {cpu:.2f} s over {wall:.1f} s: {cpu / sent * 1e6:.1f} us per message in")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--qos", type=int, default=1, choices=(0, 1))
    parser.add_argument("--bytes", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=2)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="holdfast-broker-") as tmp,
        mosquitto_broker(Path(tmp)) as broker,
    ):
        if broker is None:
            raise SystemExit("mosquitto is not installed")
        asyncio.run(run(broker, args.seconds, args.qos, args.bytes, args.subscribers))


if __name__ == "__main__":
    main()
