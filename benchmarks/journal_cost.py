"""What the write-ahead journal costs per message: ``python benchmarks/journal_cost.py``.

Puts 50,000 event-sized messages into an Outbox on a temporary directory inside a running
event loop (as the service does), connected (a slice acknowledged after every 8 puts) and
during an outage (everything acknowledged at the end), and prints messages per second.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.mqtt.journal import Outbox, OutMessage

N = 50_000
PAYLOAD = (
    '{"t":12.3,"sensor":"back","seq":1,"id":"5fa7730401b48300-1","type":"angle",'
    '"flexion_deg":12.5,"posture":"upright"}'
)


async def _run(connected: bool) -> float:
    with tempfile.TemporaryDirectory() as d:
        box = Outbox(Path(d), max_memory=10_000)
        start = time.perf_counter()
        for i in range(N):
            box.put(OutMessage("holdfast/back/event/angle", PAYLOAD))
            if connected and i % 8 == 7:
                box.ack(len(box.peek(32)))
            if i % 1000 == 0:
                await asyncio.sleep(0)  # let the fsync timer run, as in the service
        while len(box):
            box.ack(len(box.peek(32)))
        elapsed = time.perf_counter() - start
        box.close()
    return N / elapsed


async def main() -> None:
    for connected in (True, False):
        rate = await _run(connected)
        what = "connected" if connected else "outage   "
        print(f"{what} {rate:9.0f} messages/s ({1e6 / rate:.1f} us each)")


if __name__ == "__main__":
    asyncio.run(main())
