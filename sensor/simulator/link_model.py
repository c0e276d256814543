"""How samples reach the host over BLE: notifications, connection events, losses, drop-outs.

A device packs ``samples_per_notification`` consecutive samples into each notification. The
radio sends queued notifications at the next connection event (every ``connection_interval_s``
with a random phase), so several can arrive at once; now and then a packet needs link-layer
retries (a few intervals late, later ones queue behind it: arrival order is kept), and the
host's stack adds a small random latency. Loss bursts drop whole runs of notifications without
any marker (a BLE stack that gave up on them); disconnections drop everything in a window and
leave ``disconnect`` / ``connect`` markers where the host would notice them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firmware_protocol.samples import FloatArray

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """BLE link behaviour (defaults: a healthy link to a phone or laptop).

    ``loss_bursts_per_min``: mean number of loss bursts per minute (0 = none);
    ``loss_burst_mean_notifications``: mean burst length. ``disconnects_per_hour``: random
    drop-outs on top of those a script asks for, each ``disconnect_mean_s`` long on average.
    ``supervision_timeout_s``: how long after the link dies the host notices.
    ``repeat_probability``: chance that a notification arrives a second time, same bytes, at
    the next connection event (cheap 20 Hz modules and some BLE stacks do this).
    """

    connection_interval_s: float = 0.03
    host_latency_mean_s: float = 0.004
    retry_probability: float = 0.01
    loss_bursts_per_min: float = 0.0
    loss_burst_mean_notifications: float = 4.0
    disconnects_per_hour: float = 0.0
    disconnect_mean_s: float = 5.0
    supervision_timeout_s: float = 1.0
    repeat_probability: float = 0.0


@dataclass(frozen=True, slots=True)
class Gap:
    """Samples missing between ``t_start_s`` and ``t_end_s``: ``disconnect`` or ``loss``."""

    t_start_s: float
    t_end_s: float
    kind: str


@dataclass(frozen=True, slots=True)
class LinkMarker:
    t_s: float
    kind: str  # "disconnect" | "connect"
    detail: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """Which samples arrive and when.

    ``notification_of_sample``: index of the notification each sample travels in (``-1`` when
    the sample is lost). ``arrival_s``: host arrival time per notification (``nan`` if lost).
    """

    notification_of_sample: npt.NDArray[np.int64]
    arrival_s: FloatArray
    gaps: tuple[Gap, ...]
    markers: tuple[LinkMarker, ...]
    repeated_s: FloatArray | None = None  # per notification: arrival of its repeat, or nan


def deliver(
    t_s: FloatArray,
    samples_per_notification: int,
    settings: LinkSettings,
    disconnects: tuple[tuple[float, float], ...],
    rng: np.random.Generator,
) -> Delivery:
    """Decide the fate of every sample (vectorised; a few loops over bursts and drop-outs)."""
    n = t_s.shape[0]
    k = max(1, samples_per_notification)
    notif = np.arange(n, dtype=np.int64) // k
    n_notif = int(notif[-1]) + 1 if n else 0
    last_sample = np.minimum(np.arange(n_notif) * k + k - 1, n - 1)
    ready = t_s[last_sample] + 0.001
    duration = float(t_s[-1]) if n else 0.0

    drops = list(disconnects)
    n_random = rng.poisson(settings.disconnects_per_hour * duration / 3600.0)
    for _ in range(n_random):
        start = float(rng.uniform(10.0, max(10.0, duration - 10.0)))
        drops.append((start, float(rng.exponential(settings.disconnect_mean_s)) + 0.5))
    lost = np.zeros(n_notif, dtype=bool)
    gaps: list[Gap] = []
    markers: list[LinkMarker] = []
    for start, length in sorted(drops):
        lost |= (ready >= start) & (ready < start + length)
        gaps.append(Gap(start, start + length, "disconnect"))
        noticed = min(start + settings.supervision_timeout_s, start + length)
        markers.append(LinkMarker(noticed, "disconnect", "simulated link loss"))
        markers.append(LinkMarker(start + length, "connect", "simulated reconnect"))

    n_bursts = rng.poisson(settings.loss_bursts_per_min * duration / 60.0)
    for _ in range(n_bursts):
        first = int(rng.integers(0, max(1, n_notif)))
        count = int(rng.geometric(1.0 / max(1.0, settings.loss_burst_mean_notifications)))
        stop = min(n_notif, first + count)
        if not lost[first:stop].any():
            lost[first:stop] = True
            t0 = float(t_s[first * k])
            t1 = float(t_s[min(n - 1, stop * k)])
            gaps.append(Gap(t0, t1, "loss"))

    ci = settings.connection_interval_s
    phase = float(rng.uniform(0.0, ci))
    event = np.ceil((ready - phase) / ci) * ci + phase
    retry = rng.random(n_notif) < settings.retry_probability
    event = event + retry * ci * rng.integers(1, 5, n_notif)
    arrival = event + rng.exponential(settings.host_latency_mean_s, n_notif)
    arrival = np.maximum.accumulate(arrival)  # BLE delivers notifications in order
    arrival[lost] = np.nan
    notif_of_sample = np.where(lost[notif], -1, notif)
    gaps.sort(key=lambda g: g.t_start_s)
    markers.sort(key=lambda m: m.t_s)
    repeated = None
    if settings.repeat_probability > 0:
        # Drawn last, and only when asked for: sessions without repeats stay byte-identical.
        # The repeat comes between this notification and the next one (the device sent its
        # unchanged sample again), or one connection interval later at the end.
        again = (rng.random(n_notif) < settings.repeat_probability) & ~lost
        nxt = np.append(arrival[1:], np.nan)
        later = np.where(np.isnan(nxt) | (nxt <= arrival), arrival + ci, 0.5 * (arrival + nxt))
        repeated = np.where(again, later, np.nan)
    return Delivery(notif_of_sample, arrival, tuple(gaps), tuple(markers), repeated)
