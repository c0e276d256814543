"""How a BLE sensor source behaves: rates, timeouts, backoff, polling, queue size."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BleSettings:
    """Settings of one :class:`sensor.ble.BleSource`; every field has a working default.

    ``rate_hz``: the output rate asked of the sensor (``None``: the profile's default).
    ``model``: force a device profile instead of recognising the advertised name.
    ``scan_timeout_s``: how long one scan looks for the sensor before the attempt fails.
    ``connect_timeout_s``: bleak's connect timeout (includes GATT service discovery).
    ``first_connect_timeout_s``: give up with ``SensorError`` when the sensor was never
    connected within this time (``None``: keep trying forever). After the first connection
    the source never gives up: a lost link is retried with backoff.
    ``reconnect_initial_s`` / ``reconnect_max_s``: backoff between attempts, doubling from
    the first to the second.
    ``stall_timeout_s``: a connected sensor that sends nothing for this long (and for at least
    ten sample periods) is treated as a lost link: BlueZ does not always tell (a bluetoothd
    crash, a device that stops sending but keeps the link).
    ``battery_interval_s``: how often the battery level is read while connected.
    ``queue_max_packets``: notifications waiting for decoding; beyond it packets are
    dropped, counted and reported, and the next batch is flagged as after a gap.
    ``batch_interval_s``: the source hands out decoded samples at most this often; the
    notifications that arrive in between become one batch. The chain's cost for a chunk of a
    few samples is almost all per call, so at 100 Hz this cuts its CPU about fivefold; the
    events are the same whatever the batching (the chain is chunk-size invariant), only up to
    this much later. 0 hands out every notification as it comes.
    """

    rate_hz: float | None = None
    model: str | None = None
    scan_timeout_s: float = 10.0
    connect_timeout_s: float = 20.0
    first_connect_timeout_s: float | None = 120.0
    reconnect_initial_s: float = 0.5
    reconnect_max_s: float = 30.0
    stall_timeout_s: float = 5.0
    battery_interval_s: float = 300.0
    queue_max_packets: int = 8192
    batch_interval_s: float = 0.05

    def backoff_s(self, attempt: int) -> float:
        """Delay before retry ``attempt`` (0-based): doubling, capped."""
        return float(min(self.reconnect_max_s, self.reconnect_initial_s * 2.0 ** min(attempt, 30)))
