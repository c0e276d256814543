"""The terminal display (``holdfast display``, and ``holdfast demo``): an MQTT subscriber.

On a terminal it is a rich ``Live`` panel per sensor (hold timer as a bar filling toward the
target, rep count with exercise, side and set, the flexion angle on a zoned scale, the last
warning, link, battery and posture), with what happened scrolling above it as sentences.
Usable over SSH on a Raspberry Pi next to the mat: plain characters, redrawn 4 times a second.
When the output is not a terminal (a file, a pipe, a log) only the sentences are printed.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from dsp.events import AngleEvent, Event
from service.displays.feed import BrokerFeed, DisplayMessage, stop_task
from service.displays.sensor_view import DisplayModel, SensorView
from service.displays.text import POSTURE_WORDS, alert_words, clock, event_line, exercise_name

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

REFRESH_PER_S = 4
GAUGE_MIN_DEG, GAUGE_MAX_DEG = -30.0, 120.0
BAR_WIDTH = 30


class TerminalDisplay:
    """``async with TerminalDisplay(feed, out) as d:`` shows the broker's messages until exit.

    ``neutral_max_deg``/``moderate_max_deg``: the zone limits of the flexion scale (from the
    settings of the service, as the page gets them; messages do not carry them).
    """

    def __init__(
        self,
        feed: BrokerFeed,
        out: TextIO,
        *,
        live: bool | None = None,
        neutral_max_deg: float = 20.0,
        moderate_max_deg: float = 60.0,
        console: Console | None = None,
    ) -> None:
        from rich.console import Console

        self.feed = feed
        self.out = out
        self.live = out.isatty() if live is None else live
        self.zones = (neutral_max_deg, moderate_max_deg)
        self.console = console or Console(file=out, highlight=False, soft_wrap=True)
        self.model = DisplayModel()
        self.lines = 0
        self.service_offline = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._live: Live | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> TerminalDisplay:
        if self.live:
            from rich.live import Live

            self._live = Live(
                self.render(),
                console=self.console,
                refresh_per_second=REFRESH_PER_S,
                get_renderable=self.render,
                transient=False,
            )
            self._live.start()
        self._task = asyncio.get_running_loop().create_task(
            self.feed.run(self.on_message), name="terminal-display-feed"
        )
        return self

    async def finish(self, timeout_s: float = 3.0) -> None:
        """Wait (at most ``timeout_s``) until the service said it went offline: everything
        it published before has then arrived."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self.service_offline.wait()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await stop_task(self._task)
        if self._live is not None:
            self._live.stop()
            self._live = None

    # --- messages ----------------------------------------------------------------------------

    def on_message(self, m: DisplayMessage) -> None:
        if m.kind == "service_status":
            if m.payload == "offline" and not m.retained:
                self.service_offline.set()
            elif m.payload == "online":
                self.service_offline.clear()
        event = self.model.apply(m)
        if event is not None and not isinstance(event, AngleEvent):
            self._print(event)

    def _print(self, event: Event) -> None:
        line = event_line(event)
        if line is None:
            return
        if len(self.model.sensors) > 1:
            line = f"{event.sensor}: {line}"
        self.console.print(line, markup=False, highlight=False)
        self.lines += 1

    # --- drawing -----------------------------------------------------------------------------

    def render(self) -> RenderableType:
        from rich.console import Group
        from rich.text import Text

        if not self.model.sensors:
            return Text(f"waiting for holdfast on {self.feed.where} ...", style="dim")
        return Group(*(self.sensor_panel(v) for v in self.model.sensors.values()))

    def sensor_panel(self, v: SensorView) -> RenderableType:
        from rich.panel import Panel
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", width=8)
        grid.add_column()
        grid.add_row("HOLD", self._hold_text(v))
        grid.add_row("REPS", self._reps_text(v))
        grid.add_row("FLEXION", self._flexion_text(v))
        if v.last_alert is not None:
            grid.add_row("WARNING", f"{clock(v.last_alert.t)}  {alert_words(v.last_alert)}")
        if v.routine is not None:
            r = v.routine
            grid.add_row("NOW", f"{r.now}" + (f" · {r.progress}" if r.progress else ""))
            grid.add_row("NEXT", r.next)
            sets = "1 set" if len(r.done) == 1 else f"{len(r.done)} sets"
            done = sets + (f", last: {r.done[-1]}" if r.done else "")
            grid.add_row("DONE", done)
        battery = f"battery {v.battery_pct} %" if v.battery_pct is not None else "battery ?"
        calib = "calibrated" if v.calibrated else "not calibrated yet"
        service = "" if self.model.service == "online" else f" · service {self.model.service}"
        title = (
            f"{v.sensor} · link {v.link} · {battery} · "
            f"{POSTURE_WORDS.get(v.posture, v.posture)} · {calib}{service}"
        )
        return Panel(grid, title=title, title_align="left", subtitle=clock(v.t))

    def _hold_text(self, v: SensorView) -> str:
        h = v.hold
        if h is None:
            return "no hold yet"
        frac = max(0.0, min(1.0, h.elapsed_s / h.target_s)) if h.target_s > 0 else 0.0
        filled = round(frac * BAR_WIDTH)
        bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        what = exercise_name(h.exercise, h.side)
        if h.ended:
            verdict = "target reached" if h.completed else "ended"
            return f"{what}  {bar}  {h.elapsed_s:.0f} of {h.target_s:.0f} s, {verdict}"
        return f"{what}  {bar}  {h.elapsed_s:.0f} / {h.target_s:.0f} s"

    def _reps_text(self, v: SensorView) -> str:
        if v.rep_exercise is None:
            return "no reps yet"
        side = f" ({v.rep_side})" if v.rep_side else ""
        state = " done" if v.set_ended else ""
        return f"{v.rep_count}  {exercise_name(v.rep_exercise)}{side}, set {v.set_number}{state}"

    def _flexion_text(self, v: SensorView) -> str:
        if v.flexion_deg is None:
            return "waiting for the angle (stand still, then bend forward once)"
        neutral, moderate = self.zones
        deg = v.flexion_deg
        zone = "neutral" if deg <= neutral else "moderate" if deg <= moderate else "severe"
        span = GAUGE_MAX_DEG - GAUGE_MIN_DEG

        def col(a: float) -> int:
            return round(
                (min(max(a, GAUGE_MIN_DEG), GAUGE_MAX_DEG) - GAUGE_MIN_DEG) / span * BAR_WIDTH
            )

        scale = [
            "-" if i < col(neutral) else "=" if i < col(moderate) else "#"
            for i in range(BAR_WIDTH + 1)
        ]
        scale[min(col(deg), BAR_WIDTH)] = "|"
        return f"{deg:4.0f}°  [{''.join(scale)}]  {zone}"
