"""How many sensors one process carries at 100 Hz before the p99 latency passes a limit.

    .venv/bin/python benchmarks/live_sweep.py [--sensors 1,4,8,16,32] [--batch-ms 10,50]
        [--seconds 10]

For every batch interval and sensor count: p50/p99 from notification to the MQTT client and
end to end through a Mosquitto started on a free port, and the share of one core, as
``holdfast bench`` measures them (service/bench/live.py). Prints one row per run; the machine
is noisy, so read the rows of one run against each other.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from service.bench import live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", default="1,4,8,16,32")
    parser.add_argument("--batch-ms", default="10,50")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    counts = [int(x) for x in args.sensors.split(",")]
    batches = [float(x) for x in args.batch_ms.split(",")]
    print(
        f"{'batch ms':>8} {'sensors':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'e2e p99':>7} {'core %':>6} {'angles':>6}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="holdfast-sweep-") as tmp,
        live.mosquitto(Path(tmp)) as port,
    ):
        if port is None:
            raise SystemExit("mosquitto is not installed")
        for batch_ms in batches:
            for n in counts:
                r = live.run_live(n, args.seconds, Path(tmp), port, batch_interval_s=batch_ms / 1e3)
                pct = live.LiveResult.percentile
                print(
                    f"{batch_ms:>8g} {n:>7} {pct(r.to_client_ms, 50):>7.1f} "
                    f"{pct(r.to_client_ms, 99):>7.1f} {pct(r.end_to_end_ms, 99):>7.1f} "
                    f"{r.cpu_pct:>6.1f} {len(r.to_client_ms):>6}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
