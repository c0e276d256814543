"""The service: sources -> pipelines -> publishers, in one asyncio task group.

Named tasks, per sensor: ``source:<id>`` pulls items from its :class:`SampleSource` into a
bounded queue (so a slow pipeline slows the source instead of eating memory) and
``pipeline:<id>`` turns them into events. One ``mqtt`` task owns the broker connection; events
reach it through the outbox (bounded in memory, spilled to disk, see
:mod:`service.mqtt.journal`). Displays in the same process (the terminal view) are plain
callbacks: ``sink(event)``.

Stopping (SIGINT/SIGTERM, or every source at its end): the sources are cancelled, each
pipeline drains its queue and runs ``finish`` (holds close, the summary is emitted), the
sensors' status goes offline, the publisher delivers what is queued (up to
``flush_timeout_s``) and publishes the service ``offline`` status, whatever could not be
delivered is written to the journal for the next start, and recordings are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from dsp.events import EVENT_ADAPTER, AngleEvent, Event, SensorStatusEvent
from dsp.pipeline import Pipeline
from dsp.routines import RoutineSpec
from dsp.routines.runner import Context
from firmware_protocol.errors import ConfigError, HoldfastError
from firmware_protocol.samples import SampleBatch
from sensor.errors import RecordingError
from sensor.replay import Recording, ReplaySource
from sensor.source import SampleSource, SourceItem
from service.chain import apply_item, last_time
from service.config import HoldfastSettings
from service.formatting import event_json
from service.mqtt.broker_embedded import EmbeddedBroker
from service.mqtt.commands import CommandRouter, CommandTarget
from service.mqtt.discovery import discovery_messages, removal_messages
from service.mqtt.journal import Outbox, OutMessage, UndeliveredError
from service.mqtt.journal_place import JournalTarget, open_target_dir
from service.mqtt.publisher import Publisher
from service.mqtt.state import SensorState, fold
from service.mqtt.topics import OFFLINE, ONLINE, Topics, gateway_prefix, topic_safe
from service.routine_control import RoutineControl

log = logging.getLogger(__name__)

QUEUE_ITEMS = 64
"""Source items buffered per sensor between the source and its pipeline."""
_END = None

EventSink = Callable[[Event], None]


@dataclass(frozen=True)
class SourceSpec:
    """A source and what its pipeline needs to know: session id and mounting."""

    source: SampleSource
    session_id: str
    mounting: tuple[str, str] | None = None

    @staticmethod
    def replay(path: Path | str, *, speed: float = 1.0, sensor: str | None = None) -> SourceSpec:
        """A recording replayed in real time (``speed`` times faster)."""
        recording = Recording(path, sensor=sensor)
        info = recording.info
        mounting = (info.mounting.up, info.mounting.forward) if info.mounting else None
        return SourceSpec(
            ReplaySource(recording, realtime=True, speed=speed), info.session_id, mounting
        )

    @staticmethod
    def live(source: SampleSource) -> SourceSpec:
        """Any other source (BLE, simulator): a fresh session id, automatic mounting."""
        started = datetime.now(UTC).isoformat(timespec="seconds")
        return SourceSpec(source, f"{started}/{source.sensor_id}")


@dataclass
class SensorRuntime:
    """One sensor's pipeline and what the service keeps about it; the command target."""

    sensor: str
    pipeline: Pipeline
    recordings_dir: Path
    state: SensorState
    queue: asyncio.Queue[SourceItem | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_ITEMS)
    )
    t_last_s: float = 0.0
    angle_slot: float = float("-inf")
    recording: IO[str] | None = None
    recording_path: Path | None = None
    routine_control: RoutineControl | None = None

    # --- CommandTarget -----------------------------------------------------------------------

    @property
    def routine(self) -> RoutineControl:
        """The sensor's guided routine (commands start_routine, next, skip, pain)."""
        assert self.routine_control is not None
        return self.routine_control

    def calibrate_now(self) -> None:
        self.pipeline.calibrate_now()

    def set_exercise(self, name: str | None) -> None:
        self.pipeline.set_exercise(name)

    def set_hold_target(self, seconds: float) -> None:
        self.pipeline.set_hold_target(seconds)

    def start_recording(self) -> Path:
        """Start writing this sensor's events (jsonl, like ``holdfast replay``)."""
        if self.recording is not None and self.recording_path is not None:
            return self.recording_path
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = self.recordings_dir / f"{_file_safe(self.sensor)}-{stamp}.events.jsonl"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.recording = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise RecordingError(path, None, f"cannot create: {exc}") from exc
        self.recording_path = path
        return path

    def stop_recording(self) -> Path | None:
        path, rec = self.recording_path, self.recording
        self.recording, self.recording_path = None, None
        if rec is not None:
            rec.close()
        return path


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def event_schema() -> str:
    """JSON Schema of every event (the discriminated union), as published and in docs."""
    return json.dumps(EVENT_ADAPTER.json_schema(mode="serialization"), indent=2, sort_keys=True)


class App:
    """``await App(settings, specs).run()`` serves until the sources end or :meth:`stop`."""

    def __init__(
        self,
        settings: HoldfastSettings,
        specs: Sequence[SourceSpec],
        *,
        sinks: Sequence[EventSink] = (),
        flush_timeout_s: float = 10.0,
        exercise: str | None = None,
        routine: RoutineSpec | None = None,
        pain_before: int | None = None,
    ) -> None:
        """``exercise``: what the person does (``None``: recognised from the movement).
        ``routine``: a guided routine started on the first sensor when serving starts."""
        if not specs:
            raise ConfigError("sources", "nothing to serve: give at least one source")
        ids = [s.source.sensor_id for s in specs]
        if len(set(ids)) != len(ids):
            raise ConfigError("sources", f"two sources with the same sensor id: {ids}")
        self.settings = settings
        self.specs = list(specs)
        self.sinks = list(sinks)
        self.flush_timeout_s = flush_timeout_s
        m = settings.mqtt
        self.topics = Topics(
            gateway_prefix(m.topic_prefix, settings.gateway_id), m.discovery_prefix
        )
        broker = settings.broker
        where = "embedded" if broker.host is None else f"{broker.host}:{broker.port}"
        self.journal_target = JournalTarget(where, self.topics.prefix)
        self.journal_dir = open_target_dir(settings.journal.directory, self.journal_target)
        self.outbox = Outbox(
            self.journal_dir,
            max_memory=settings.journal.max_memory_messages,
            max_disk_bytes=int(settings.journal.max_disk_mb * (1 << 20)),
        )
        self.runtimes: dict[str, SensorRuntime] = {}
        for spec in specs:
            sensor = spec.source.sensor_id
            pipeline = Pipeline(sensor, spec.session_id, settings.pipeline, spec.mounting)
            if exercise is not None:
                pipeline.set_exercise(exercise)
            rt = SensorRuntime(
                sensor, pipeline, settings.recordings_dir, SensorState(sensor=sensor)
            )
            rt.routine_control = RoutineControl(
                pipeline, settings.routine, self._emitter(rt), after=Context(exercise)
            )
            self.runtimes[sensor] = rt
        self._routine_at_start = (routine, pain_before) if routine is not None else None
        router = CommandRouter(self.topics, self._targets)
        self.embedded: EmbeddedBroker | None = None
        if broker.host is None:
            e = settings.embedded
            self.embedded = EmbeddedBroker(e.bind, e.tcp_port, e.ws_port)
            # The publisher talks to the embedded broker over TCP like any other client.
            broker = broker.model_copy(
                update={"host": e.bind, "port": self.embedded.tcp_port, "transport": "tcp"}
            )
        self.publisher = Publisher(broker, self.topics, self.outbox, on_command=router.handle)
        self._stop = asyncio.Event()

    def _emitter(self, rt: SensorRuntime) -> Callable[[Sequence[Event]], None]:
        def emit(events: Sequence[Event]) -> None:
            for event in events:
                self._emit(rt, event)

        return emit

    def _targets(self) -> Mapping[str, CommandTarget]:
        return {topic_safe(s): rt for s, rt in self.runtimes.items()}

    def stop(self) -> None:
        """Ask for a graceful stop (signal handlers call this)."""
        self._stop.set()

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve; raises the first :class:`HoldfastError` of any task (e.g. a refused login)."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                if self.embedded is not None:
                    await stack.enter_async_context(self.embedded)
                await self._run_tasks()
        except BaseExceptionGroup as group:
            # One error, never an ExceptionGroup: ours (bad input, a refused login) becomes the
            # CLI's one line; anything else is a bug and keeps its own traceback.
            ours = group.subgroup(HoldfastError)
            first: BaseException = ours if ours is not None else group
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from group
        finally:
            for rt in self.runtimes.values():
                rt.stop_recording()
            self.outbox.close()

    async def _run_tasks(self) -> None:
        self._announce()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.publisher.run(), name="mqtt")
            feeds = {
                s: tg.create_task(self._feed(rt, spec.source), name=f"source:{s}")
                for (s, rt), spec in zip(self.runtimes.items(), self.specs, strict=True)
            }
            chains = {
                s: tg.create_task(self._chain(rt), name=f"pipeline:{s}")
                for s, rt in self.runtimes.items()
            }
            stop = tg.create_task(self._stop.wait(), name="stop")
            # A failing task (e.g. mqtt after a refused login) cancels this body via the group.
            waiting: set[asyncio.Task[Any]] = set(chains.values())
            while waiting and not stop.done():
                _, waiting = await asyncio.wait(
                    waiting | {stop}, return_when=asyncio.FIRST_COMPLETED
                )
                waiting.discard(stop)
            for sensor, feed in feeds.items():
                feed.cancel()
                if not chains[sensor].done():
                    await self.runtimes[sensor].queue.put(_END)
            await asyncio.wait(chains.values())
            stop.cancel()
            for rt in self.runtimes.values():
                # The last retained state agrees with the status: offline is not connected.
                if rt.state.connected:
                    rt.state = rt.state.model_copy(update={"connected": False})
                    self.publisher.set_retained(
                        self.topics.state(rt.sensor), rt.state.model_dump_json()
                    )
                self.publisher.set_retained(self.topics.status(rt.sensor), OFFLINE)
            self.publisher.close(self.flush_timeout_s)
        self.outbox.spill_all()

    def undelivered(self) -> UndeliveredError | None:
        """What the run could not deliver (waiting in the journal, or dropped), if anything."""
        if not len(self.outbox) and not self.outbox.dropped:
            return None
        return UndeliveredError(
            self.journal_dir,
            self.journal_target.broker,
            len(self.outbox),
            self.outbox.dropped,
            self.publisher.last_problem,
        )

    def _announce(self) -> None:
        """Retained messages known before the first sample: schema, discovery, state."""
        self.publisher.set_retained(self.topics.schema, event_schema())
        for sensor, rt in self.runtimes.items():
            self.publisher.set_retained(self.topics.status(sensor), OFFLINE)
            self.publisher.set_retained(self.topics.state(sensor), rt.state.model_dump_json())
            make = discovery_messages if self.settings.mqtt.discovery else removal_messages
            for m in make(self.topics, sensor):
                self.publisher.set_retained(m.topic, m.payload)

    async def _feed(self, rt: SensorRuntime, source: SampleSource) -> None:
        items = aiter(source)
        try:
            async for item in items:
                await rt.queue.put(item)
            await rt.queue.put(_END)
        finally:
            # Close the source now, also when cancelled at shutdown: a recording's file, a
            # sensor's BLE connection. (Left to the garbage collector otherwise.)
            aclose = getattr(items, "aclose", None)
            if aclose is not None:
                await aclose()

    async def _chain(self, rt: SensorRuntime) -> None:
        first = next(iter(self.runtimes.values()))
        if self._routine_at_start is not None and rt is first:
            rt.routine.start(*self._routine_at_start)
        while (item := await rt.queue.get()) is not _END:
            if isinstance(item, SampleBatch) and not rt.state.connected:
                # Samples flowing means the link is up, even without a connect mark.
                self._set_state(rt, rt.state.model_copy(update={"connected": True}))
            rt.t_last_s = last_time(item)
            for event in apply_item(rt.pipeline, item):
                self._emit(rt, event)
            for event in rt.routine.tick():  # rests and timed steps end by time
                self._emit(rt, event)
        for event in rt.routine.finish():
            self._emit(rt, event)
        for event in rt.pipeline.finish(rt.t_last_s):
            self._emit(rt, event)

    def _set_state(self, rt: SensorRuntime, state: SensorState) -> None:
        if state.connected != rt.state.connected:
            self.publisher.set_retained(
                self.topics.status(rt.sensor), ONLINE if state.connected else OFFLINE
            )
        rt.state = state
        self.publisher.set_retained(self.topics.state(rt.sensor), state.model_dump_json())

    def _emit(self, rt: SensorRuntime, event: Event) -> None:
        payload = event_json(event)
        self.publisher.put(
            OutMessage(
                self.topics.event(rt.sensor, event.type), payload, qos=self.settings.mqtt.event_qos
            )
        )
        if isinstance(event, AngleEvent):
            # The same rule as the pipeline's angle decimation (first event of each 1/rate
            # slot), so at equal rates every angle event is published: one throttle, not two
            # that beat against each other (two made 10 Hz into ~6.7 Hz).
            slot = math.floor(event.t * self.settings.mqtt.angle_rate_hz)
            if slot > rt.angle_slot:
                rt.angle_slot = slot
                self.publisher.send_live(OutMessage(self.topics.angle(rt.sensor), payload, qos=0))
        else:
            state = fold(rt.state, event)
            if isinstance(event, SensorStatusEvent) and event.status == "disconnected":
                state = state.model_copy(update={"connected": False})
            if state is not rt.state:
                self._set_state(rt, state)
        if rt.recording is not None:
            rt.recording.write(payload + "\n")
        for sink in self.sinks:
            sink(event)
