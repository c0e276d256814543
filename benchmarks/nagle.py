"""What Nagle's algorithm costs a live sensor: latency with TCP_NODELAY on and off, on the
service's socket and on Mosquitto's, in one run.

    .venv/bin/python benchmarks/nagle.py [--sensors 4] [--seconds 8] [--batch-ms 10]

The service sets TCP_NODELAY on its broker socket (service/mqtt/publisher.py); "off" here
replaces that call with nothing for the run. Mosquitto's side is its ``set_tcp_nodelay``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from service.bench import live
from service.mqtt import publisher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--batch-ms", type=float, default=10.0)
    args = parser.parse_args()
    set_no_delay = publisher._no_delay
    print(f"{'service':>8} {'broker':>7} {'p50 ms':>7} {'p99 ms':>7} {'e2e p50':>7} {'e2e p99':>7}")
    for service_nodelay in (False, True):
        for broker_nodelay in (False, True):
            publisher._no_delay = set_no_delay if service_nodelay else (lambda client: None)
            try:
                with (
                    tempfile.TemporaryDirectory(prefix="holdfast-nagle-") as tmp,
                    live.mosquitto(Path(tmp), nodelay=broker_nodelay) as port,
                ):
                    if port is None:
                        raise SystemExit("mosquitto is not installed")
                    r = live.run_live(
                        args.sensors,
                        args.seconds,
                        Path(tmp),
                        port,
                        batch_interval_s=args.batch_ms / 1e3,
                    )
            finally:
                publisher._no_delay = set_no_delay
            pct = live.LiveResult.percentile
            print(
                f"{'on' if service_nodelay else 'off':>8} {'on' if broker_nodelay else 'off':>7} "
                f"{pct(r.to_client_ms, 50):>7.1f} {pct(r.to_client_ms, 99):>7.1f} "
                f"{pct(r.end_to_end_ms, 50):>7.1f} {pct(r.end_to_end_ms, 99):>7.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
