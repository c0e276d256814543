"""The chain: sample batches in, events out. The same code runs live, in replay and in tests.

Stages, in order: sample clock -> up vector (low-pass + gyro fusion) and stillness ->
mounting (explicit or auto-calibrated) -> angles, lumbar height, posture -> flexion episodes
-> decimated angle events. Every stage keeps its state between batches, so the events do not
depend on how the samples were chunked.

Every event's ``t`` is the time of the sample at which it was decided; within a batch events
are ordered by that sample, then by a fixed stage rank. Since decisions never go back in time,
this order (and so ``seq`` and ``id``) is the same for every chunking.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dsp import angles
from dsp.backlog import Backlog, Stretch, late_results
from dsp.calibration import AutoCalibrator, CalibrationSettings, CalibrationStep
from dsp.clock import ClockSettings, SampleClock
from dsp.detectors import Detectors, DetectorSettings, Frame
from dsp.detectors.frame import posture_baselines, posture_codes
from dsp.events import (
    CalibratedEvent,
    Event,
    FlexionEvent,
    Posture,
    PostureEvent,
    SensorStatusEvent,
    Side,
)
from dsp.flexion import FlexionDetector, FlexionEpisode, FlexionSettings
from dsp.height import HeightTracker
from dsp.motion import MotionDetector, MotionSettings
from dsp.mounting import rotation_from_axes, rotation_from_vectors
from dsp.orientation import OrientationSettings, UpEstimator
from dsp.posture import (
    CLASS_BETWEEN,
    CLASS_UPRIGHT,
    PostureSettings,
    PostureTracker,
)
from dsp.posture import orientation_class as classify
from dsp.stamping import Observer, Pending, Stamper
from dsp.transitions import TransitionGate, TransitionSettings
from firmware_protocol.samples import FloatArray, SampleBatch

#: A backlog whose first seconds are mostly off upright began on the floor (see _catch_up).
FLOOR_START_S = 10.0
# Order of events decided at the same sample.
RANK_STATUS, RANK_CALIBRATED, RANK_POSTURE, RANK_FLEXION, RANK_DETECTOR, RANK_ANGLE = range(6)


class PipelineSettings(BaseModel):
    """Every tunable of the chain, with documented defaults (nested per stage)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clock: ClockSettings = Field(default_factory=ClockSettings)
    orientation: OrientationSettings = Field(default_factory=OrientationSettings)
    motion: MotionSettings = Field(default_factory=MotionSettings)
    calibration: CalibrationSettings = Field(default_factory=CalibrationSettings)
    posture: PostureSettings = Field(default_factory=PostureSettings)
    flexion: FlexionSettings = Field(default_factory=FlexionSettings)
    transitions: TransitionSettings = Field(default_factory=TransitionSettings)
    detectors: DetectorSettings = Field(default_factory=DetectorSettings)
    angle_rate_hz: float = Field(default=10.0, gt=0, description="angle events per second")
    emit_angles: bool = Field(default=True, description="emit decimated angle events")


Span = tuple[float, float] | None


class Pipeline:
    """Turns :class:`SampleBatch` es from one sensor into events (see module doc)."""

    def __init__(
        self,
        sensor: str,
        session_id: str = "",
        settings: PipelineSettings | None = None,
        mounting: tuple[str, str] | None = None,
    ) -> None:
        """``mounting``: ``(up, forward)`` sensor axes such as ``("+y", "-z")``, or ``None``
        to calibrate automatically."""
        self.sensor = sensor
        self.session_id = session_id
        self.settings = settings or PipelineSettings()
        self._explicit = rotation_from_axes(*mounting) if mounting is not None else None
        self._rate_hz: float | None = None
        self._clock = SampleClock(self.settings.clock)
        self._rotation: FloatArray | None = None
        self._up_s: FloatArray | None = None
        self._announce_explicit = mounting is not None
        self._next_angle_slot = -np.inf
        self._flexion = FlexionDetector(self.settings.flexion)
        self._detectors = Detectors(self.settings.detectors, sensor)
        self._last_t = 0.0
        self._malformed_total = 0
        self._stamper = Stamper(sensor, session_id)  # seq and id (dsp/stamping.py)
        self._first_t: float | None = None

    # --- building ------------------------------------------------------------------------------

    def _build(self, rate_hz: float) -> None:
        s = self.settings
        self._rate_hz = rate_hz
        self._up = UpEstimator(s.orientation, rate_hz)
        self._motion = MotionDetector(s.motion, rate_hz)
        self._calibrator = AutoCalibrator(s.calibration, rate_hz)
        self._backlog = Backlog(round(s.calibration.buffer_s * rate_hz))
        self._height = HeightTracker(s.posture.height, rate_hz)
        self._posture = PostureTracker(s.posture, rate_hz)
        self._gate = TransitionGate(s.transitions, rate_hz)
        if self._explicit is not None:
            self._rotation = self._explicit
            self._up_s = self._explicit[2]
            self._height.anchor_standing()

    def _reset_stages(self) -> None:
        self._up.reset()
        self._motion.reset()
        self._height.reset()
        self._posture.reset()
        self._flexion.reset()
        self._gate.reset()

    # --- public API ------------------------------------------------------------------------------

    @property
    def posture(self) -> Posture:
        return self._posture.posture if self._rate_hz is not None else "unknown"

    def update(self, batch: SampleBatch) -> list[Event]:
        if len(batch) == 0:
            return []
        if self._rate_hz is None:
            self._build(batch.nominal_rate_hz)
        if batch.gap_before:
            self._clock.reset()
        assert self._rate_hz is not None
        clock = self._clock.update(batch.t_host_s, self._rate_hz, batch.t_device_s)
        t = clock.t_s
        if self._first_t is None:
            self._first_t = float(t[0])
        out: Pending = []
        if self._announce_explicit:
            self._announce_explicit = False
            out.append((0, RANK_CALIBRATED, self._calibrated_event(float(t[0]), "explicit")))
        n = len(batch)
        starts = dict(clock.segment_starts)
        bounds = sorted({0, *starts, n})
        for lo, hi in itertools.pairwise(bounds):
            gap = starts.get(lo)
            if gap is not None:
                out += [(lo, RANK_STATUS, e) for e in self._waiting_bends(self._last_t)]
                self._reset_stages()
                self._backlog.clear()
                for event in self._detectors.on_gap(self._last_t):
                    out.append((lo, RANK_STATUS, event))
                status = SensorStatusEvent(
                    t=float(t[lo]), sensor=self.sensor, status="gap", gap_s=round(gap, 4)
                )
                out.append((lo, RANK_STATUS, status))
            gyro = batch.gyro_dps[lo:hi] if batch.gyro_dps is not None else None
            self._segment(lo, t[lo:hi], batch.acc_mps2[lo:hi], gyro, out)
            self._last_t = float(t[hi - 1])
        return self._stamp(out)

    def on_disconnect(self, t_s: float, detail: str = "") -> list[Event]:
        """The link is lost: nothing is invented across the gap that follows."""
        self._clock.reset()
        out: Pending = []
        if self._rate_hz is not None:
            out += [(0, RANK_STATUS, e) for e in self._waiting_bends(self._last_t)]
            self._reset_stages()
            self._backlog.clear()
        out += [(0, RANK_STATUS, e) for e in self._detectors.on_gap(self._last_t)]
        status = SensorStatusEvent(t=t_s, sensor=self.sensor, status="disconnected", detail=detail)
        out.append((0, RANK_STATUS, status))
        return self._stamp(out)

    def on_connect(self, t_s: float, detail: str = "") -> list[Event]:
        return self._status(t_s, "connected", detail=detail)

    def on_battery(self, t_s: float, battery_pct: int) -> list[Event]:
        return self._status(t_s, "battery", battery_pct=battery_pct)

    def on_data_lost(self, t_s: float, detail: str, lost_count: int | None) -> list[Event]:
        """The sensor or the link lost data (the next batch says whether there is a gap)."""
        return self._status(t_s, "data_lost", detail=detail, lost_count=lost_count)

    def on_device_message(self, t_s: float, detail: str) -> list[Event]:
        return self._status(t_s, "device_message", detail=detail)

    def on_decode_errors(self, t_s: float, malformed_total: int) -> list[Event]:
        self._malformed_total = malformed_total
        return self._status(t_s, "decode_errors", malformed_total=malformed_total)

    def finish(self, t_s: float | None = None) -> list[Event]:
        """End of the session: open holds and sets close, then the session summary."""
        t_end = self._last_t if t_s is None else max(t_s, self._last_t)
        t_start = self._first_t if self._first_t is not None else t_end
        late = self._waiting_bends(t_end) if self._rate_hz is not None else []
        events = self._detectors.finish(t_start, t_end, self._malformed_total)
        return self._stamp([(0, RANK_DETECTOR, e) for e in [*late, *events]])

    def set_exercise(self, name: str | None, side: Side | None = None) -> None:
        """What the person is doing (``None`` or ``"auto"``: recognise it from the movement),
        and on which side: holds and reps of it that the chain cannot side carry ``side``."""
        before = self._detectors.exercise, self._stamper.told
        self._detectors.set_exercise(name)
        told = self._detectors.exercise
        self._stamper.told = (told, side) if told is not None and side is not None else None
        if told is not None and before[0] == told and before[1] != self._stamper.told:
            self._detectors.new_set()  # the same exercise on the other side: a new set

    @property
    def calibrated(self) -> bool:
        """The mounting is known (up and forward): angles, postures and holds are measured."""
        return self._rotation is not None

    @property
    def t_last_s(self) -> float:
        """Time of the last sample seen (0 before the first)."""
        return self._last_t

    @property
    def observer(self) -> Observer | None:
        """Sees each stamped event but angles; its events follow at once (dsp/stamping.py)."""
        return self._stamper.observer

    @observer.setter
    def observer(self, observer: Observer | None) -> None:
        self._stamper.observer = observer

    def stamp(self, events: Sequence[Event]) -> list[Event]:
        """Give events made outside the chain (a routine's) their ``seq`` and ``id``."""
        return self._stamp([(0, RANK_DETECTOR, e) for e in events])

    def set_hold_target(self, seconds: float | None) -> None:
        """Target for the next holds, seconds (``None``: the exercise's default)."""
        self._detectors.set_hold_target(seconds)

    def calibrate_now(self) -> None:
        """Learn the mounting again from the next still period and the next bend."""
        self._explicit = None
        self._rotation = None
        self._up_s = None
        if self._rate_hz is not None:
            self._calibrator.restart()
            self._backlog.clear()

    # --- internals -------------------------------------------------------------------------------

    def _status(self, t_s: float, status: str, **fields: object) -> list[Event]:
        event = SensorStatusEvent.model_validate(
            {"t": t_s, "sensor": self.sensor, "status": status, **fields}
        )
        return self._stamp([(0, RANK_STATUS, event)])

    def _stamp(self, out: Pending) -> list[Event]:
        return self._stamper.stamp(out)

    def _calibrated_event(
        self, t: float, method: str, stage: str = "complete", how: CalibrationStep | None = None
    ) -> CalibratedEvent:
        assert self._up_s is not None
        fwd = self._rotation[0] if self._rotation is not None else None
        learnt = {} if how is None else {"learned_from": how.evidence}
        return CalibratedEvent.model_validate(
            {
                "t": t,
                "sensor": self.sensor,
                "method": method,
                "stage": stage,
                "up_sensor": tuple(round(float(v), 4) for v in self._up_s),
                "forward_sensor": None if fwd is None else tuple(round(float(v), 4) for v in fwd),
                "backlog_s": None if how is None else round(self._backlog.duration_s(), 3),
                **learnt,
            }
        )

    def _segment(
        self, offset: int, t: FloatArray, acc: FloatArray, gyro: FloatArray | None, out: Pending
    ) -> None:
        motion = self._motion.update(acc, gyro)
        still = motion.still
        up = self._up.update(acc, gyro, motion.gyro_bias_dps)
        steps: list[CalibrationStep] = []
        if self._rotation is None:
            steps = self._calibrator.update(t, up, still, acc)
        n = t.shape[0]
        cuts = sorted({0, n, *(step.index for step in steps)})
        for lo, hi in itertools.pairwise(cuts):
            for step in steps:
                if step.index == lo:
                    self._apply_calibration(offset + lo, float(t[lo]), step, out)
            self._analyse(offset + lo, t[lo:hi], acc[lo:hi], up[lo:hi], still[lo:hi], out)
            if self._rotation is None:  # kept for when the mounting is known
                self._backlog.add(Stretch(t[lo:hi], acc[lo:hi], up[lo:hi], still[lo:hi]))

    def _apply_calibration(self, index: int, t: float, step: CalibrationStep, out: Pending) -> None:
        self._up_s = step.up_s
        if step.stage == "up_only":
            self._height.anchor_standing()
            out.append((index, RANK_CALIBRATED, self._calibrated_event(t, "auto", "up_only")))
            change = self._posture._switch(index, "upright")
            if change is not None:
                event = PostureEvent(
                    t=t, sensor=self.sensor, posture="upright", previous=change.previous
                )
                out.append((index, RANK_POSTURE, event))
            return
        assert step.forward_s is not None
        self._rotation = rotation_from_vectors(step.up_s, step.forward_s)
        out.append((index, RANK_CALIBRATED, self._calibrated_event(t, "auto", how=step)))
        stretch = self._backlog.take()
        if stretch is not None:
            self._catch_up(index, t, stretch, step.bend_t_s, out)

    def _catch_up(self, index: int, t: float, stretch: Stretch, bend: Span, out: Pending) -> None:
        """Analyse the samples kept while the mounting was unknown (``dsp.backlog``) anew."""
        for stage in (self._height, self._posture, self._flexion, self._gate):
            stage.reset()
        assert self._rotation is not None
        # Where the body was at the start of the stretch: mostly upright over its first
        # FLOOR_START_S (a trial may start in the middle of a bend, not only its first sample).
        start = stretch.t_s < stretch.t_s[0] + FLOOR_START_S
        classes = classify(stretch.up[start] @ self._rotation.T, self.settings.posture)
        if np.mean(classes == CLASS_UPRIGHT) >= 0.5:
            self._height.anchor_standing()
        else:
            # The stretch began on the floor (a session that starts lying, prone or on hands
            # and knees): "up" was learnt there, but the body was never standing. Anchoring
            # standing would read hands and knees as a standing bend (sustained-flexion alerts
            # while on all fours); the height stays unknown until a lying rest sets it, and
            # the posture is learnt from the stretch itself.
            self._posture.posture = "unknown"
        # The teaching bend was asked for: its episode is reported, no rep, no warning.
        self._detectors.set_calibration_bend(bend)
        late: Pending = []
        self._analyse(0, stretch.t_s, stretch.acc_mps2, stretch.up, stretch.still, late, False)
        late.sort(key=lambda item: (item[0], item[1]))
        decided = [event for _, _, event in late if not isinstance(event, tuple)]
        for event in late_results(decided):
            # Same rank for all: the stable sort keeps them in the order they were decided.
            out.append((index, RANK_CALIBRATED, event.model_copy(update={"t": t})))

    def _waiting_bends(self, t: float) -> list[FlexionEvent]:
        """Gap or end: bends still waiting for a rest (``dsp.transitions``) were bends."""
        late = [self._flexion_event(t, ep) for ep in self._gate.pending()]
        self._gate.reset()
        return late

    def _flexion_event(self, t: float, ep: FlexionEpisode) -> FlexionEvent:
        return FlexionEvent(
            t=t,
            sensor=self.sensor,
            t_start=round(ep.t_start, 4),
            t_end=round(ep.t_end, 4),
            peak_deg=round(ep.peak_deg, 2),
            baseline_deg=ep.baseline_deg,
            depth_deg=round(ep.peak_deg - ep.baseline_deg, 2),
        )

    def _analyse(
        self,
        offset: int,
        t: FloatArray,
        acc: FloatArray,
        up: FloatArray,
        still: np.ndarray,
        out: Pending,
        angles_out: bool = True,
    ) -> None:
        if self._up_s is None or t.shape[0] == 0:
            return
        if self._rotation is not None:
            u_body = up @ self._rotation.T
            cls = classify(u_body, self.settings.posture)
            tilt = angles.tilt_deg(u_body[:, 2])
        else:
            tilt = angles.tilt_deg(up @ self._up_s)
            upright = tilt < self.settings.posture.upright_max_tilt_deg
            cls = np.where(upright, CLASS_UPRIGHT, CLASS_BETWEEN).astype(np.int8)
        heights = self._height.update(acc, up, still, cls)
        if self._rotation is None:
            if angles_out:
                self._emit_angles(offset, t, None, None, tilt, out)
            return
        before = self._posture.posture
        # Face-down is resolved by height, so only once the height is up to date (settled).
        changes = self._posture.update(cls, self._height.settled, heights)
        baselines = posture_baselines(t.shape[0], before, changes)
        for change in changes:
            out.append(
                (
                    offset + change.index,
                    RANK_POSTURE,
                    PostureEvent(
                        t=float(t[change.index]),
                        sensor=self.sensor,
                        posture=change.posture,
                        previous=change.previous,
                    ),
                )
            )
        flex = angles.flexion_deg(u_body)
        lateral = angles.lateral_deg(u_body)
        codes = posture_codes(t.shape[0], before, changes)
        ended = self._flexion.update(t, flex, baselines)
        settled = self._height.settled
        bent = flex - baselines > self.settings.flexion.threshold_deg  # NaN: False
        episodes = self._gate.update(t, u_body, codes, heights, settled, ended, bent)
        for ep in episodes:
            flexion_event = self._flexion_event(float(t[ep.index]), ep)
            out.append((offset + ep.index, RANK_FLEXION, flexion_event))
        frame = Frame(
            offset=offset,
            t_s=t,
            u_body=u_body,
            flexion_deg=flex,
            lateral_deg=lateral,
            still=still,
            posture_code=codes,
            heights_m=heights,
            acc_mps2=acc,
            episodes=tuple(episodes),
        )
        for index, event in self._detectors.update(frame):
            out.append((offset + index, RANK_DETECTOR, event))
        if angles_out:
            self._emit_angles(offset, t, flex, lateral, tilt, out)

    def _emit_angles(
        self,
        offset: int,
        t: FloatArray,
        flex: FloatArray | None,
        lateral: FloatArray | None,
        tilt: FloatArray,
        out: Pending,
    ) -> None:
        if not self.settings.emit_angles:
            return
        slots = np.floor(t * self.settings.angle_rate_hz)
        prev = np.concatenate([[self._next_angle_slot], slots[:-1]])
        picks = np.flatnonzero(slots > prev)
        self._next_angle_slot = float(slots[-1])
        if picks.size == 0:
            return
        times = t[picks].tolist()
        tilts = np.round(tilt[picks], 2).tolist()
        flexes = [None] * picks.size if flex is None else np.round(flex[picks], 2).tolist()
        lats = [None] * picks.size if lateral is None else np.round(lateral[picks], 2).tolist()
        for row in zip(picks.tolist(), times, flexes, lats, tilts, strict=True):
            out.append((offset + row[0], RANK_ANGLE, row[1:]))
