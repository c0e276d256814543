"""The session builder: a timeline plus what actually happened on it (the truth log).

Activity functions (``sensor.simulator.activities_*``) move the body through a
:class:`Builder`; it keeps the current rest posture, draws human variability from a seeded
generator, walks between postures when an activity needs a different start (lying down, getting
up, rolling over, kneeling) and logs activities, reps, holds and sets as they are laid down.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sensor.simulator.trajectory import Overlay, Pose, Timeline, pose_from_angles

#: Hip-joint-centre heights (m) of the rest postures; with the sensor's lever arm these put the
#: lower back at ~1.0 m standing, ~0.6 m on hands and knees, 0.03-0.2 m lying.
HIP_HEIGHT_M = {
    "standing": 0.92, "sitting": 0.47, "supine": 0.11, "prone": 0.10,
    "side_left": 0.17, "side_right": 0.17, "quadruped": 0.52, "floor_sitting": 0.12,
}  # fmt: skip

#: Posture labels as dsp reports them.
DSP_POSTURE = {
    "standing": "upright", "sitting": "upright", "supine": "supine", "prone": "prone",
    "side_left": "side_left", "side_right": "side_right", "quadruped": "quadruped",
    "floor_sitting": "upright",
}  # fmt: skip
#: Rest postures a session may start in (``[script] start``).
START_POSTURES = (
    "standing", "sitting", "floor_sitting", "supine", "prone", "side_left", "side_right",
    "quadruped",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonSettings:
    """Human variability: log-normal spreads of tempo and amplitude per rep, per-session build.

    ``tempo_sd`` 0.1 means a rep's movement time varies by about +-10 %. The person as a whole:
    ``tempo_scale`` stretches every movement (1.3: a slow mover), ``height_scale`` scales the
    hip heights of the rest postures (body size), ``sway`` adds postural sway of that
    amplitude (``overlays.sway`` units) while resting, standing and fidgeting.
    """

    tempo_sd: float = 0.10
    amplitude_sd: float = 0.08
    hold_jitter_s: float = 0.3
    rest_jitter_s: float = 0.4
    tempo_scale: float = 1.0
    height_scale: float = 1.0
    sway: float = 0.0


@dataclass
class TruthLog:
    """Everything the builder knows happened, in session seconds."""

    activities: list[dict[str, Any]] = field(default_factory=list)
    reps: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    sets: list[dict[str, Any]] = field(default_factory=list)
    postures: list[dict[str, Any]] = field(default_factory=list)
    disconnects: list[tuple[float, float]] = field(default_factory=list)


class Builder:
    """Lays activities on a timeline. ``posture``: the rest posture the body is in now."""

    def __init__(
        self,
        rng: np.random.Generator,
        person: PersonSettings,
        heading_deg: float,
        start_posture: str = "standing",
    ):
        self.rng = rng
        self.person = person
        self.timeline = Timeline(pose_from_angles(0.0, 0.0, heading_deg, 0.0, 0.0, 0.92))
        self.posture = "standing"
        if start_posture != "standing" or person.height_scale != 1.0:
            # The session starts at rest in that posture (lying, sitting, on hands and knees).
            self.timeline = Timeline(self.rest_pose(start_posture))
            self.posture = start_posture
        self.truth = TruthLog()
        self._posture_since = 0.0
        self._activity_stack: list[str] = []

    # --- variability -------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        return self.timeline.now_s

    @property
    def pose(self) -> Pose:
        return self.timeline.pose

    def tempo(self, seconds: float) -> float:
        """A movement time with human variability (never below 40 % of nominal)."""
        seconds = seconds * self.person.tempo_scale
        return float(max(0.4 * seconds, seconds * np.exp(self.rng.normal(0, self.person.tempo_sd))))

    def amp(self, value: float) -> float:
        """An amplitude with human variability, within +-20 % of nominal."""
        factor = np.clip(np.exp(self.rng.normal(0, self.person.amplitude_sd)), 0.8, 1.2)
        return float(value * factor)

    def hold_time(self, seconds: float) -> float:
        return float(max(0.5, seconds + self.rng.normal(0, self.person.hold_jitter_s)))

    def rest_time(self, seconds: float) -> float:
        return float(max(0.3, seconds + self.rng.normal(0, self.person.rest_jitter_s)))

    # --- movement ----------------------------------------------------------------------------

    def move(self, pose: Pose, seconds: float) -> None:
        self.timeline.move_to(pose, self.tempo(seconds))

    def hold(self, seconds: float) -> None:
        self.timeline.hold(seconds)

    def overlay(self, overlay: Overlay) -> None:
        self.timeline.add_overlay(overlay)

    def rest_pose(self, posture: str) -> Pose:
        """The rest pose of ``posture`` where the body is now (same head direction)."""
        p = self.pose
        x, y, heading = p.x_m, p.y_m, p.heading_deg
        z = HIP_HEIGHT_M[posture] * self.person.height_scale
        if posture in ("standing", "sitting", "quadruped", "prone", "floor_sitting"):
            flex = {"standing": 0.0, "sitting": -8.0, "quadruped": 85.0, "prone": 90.0,
                    "floor_sitting": -15.0}[posture]  # fmt: skip
            return pose_from_angles(flex, 0.0, heading, x, y, z, heading)
        if posture == "supine":
            # Lying back from sitting: the head ends up opposite the heading.
            return pose_from_angles(-90.0, 0.0, heading, x, y, z, heading)
        # Rolled from supine onto a side: same head direction, long axis kept.
        lat = 88.0 if posture == "side_right" else -88.0
        yaw = heading - 90.0 if posture == "side_right" else heading + 90.0
        return pose_from_angles(0.0, lat, yaw, x, y, z, heading)

    # --- truth -------------------------------------------------------------------------------

    def set_posture(self, posture: str) -> None:
        """Close the current posture segment and open ``posture`` (``unknown`` in between)."""
        now = self.now_s
        label = DSP_POSTURE.get(self.posture, "unknown")
        if now > self._posture_since:
            self.truth.postures.append(
                {"t_start": self._posture_since, "t_end": now, "posture": label,
                 "rest_posture": self.posture}
            )  # fmt: skip
        self._posture_since = now
        self.posture = posture

    def close(self) -> None:
        self.set_posture(self.posture)

    @contextmanager
    def activity(
        self,
        name: str,
        *,
        negative: bool = False,
        exercise: str | None = None,
        side: str | None = None,
        prescribed_flexion: bool = False,
    ) -> Iterator[None]:
        """Log an activity interval around the movements laid down inside."""
        start = self.now_s
        self._activity_stack.append(name)
        yield
        self._activity_stack.pop()
        self.truth.activities.append(
            {"t_start": start, "t_end": self.now_s, "activity": name, "negative": negative,
             "exercise": exercise, "side": side, "prescribed_flexion": prescribed_flexion,
             "posture": self.posture}
        )  # fmt: skip

    def log_rep(
        self,
        exercise: str,
        side: str | None,
        t_start: float,
        t_peak: float,
        t_end: float,
        index: int,
        set_index: int,
        flagged: bool = False,
    ) -> None:
        self.truth.reps.append(
            {"t": t_peak, "t_start": t_start, "t_end": t_end, "exercise": exercise,
             "side": side, "index": index, "set": set_index, "flagged": flagged}
        )  # fmt: skip

    def log_hold(
        self,
        exercise: str,
        side: str | None,
        t_start: float,
        t_end: float,
        target_s: float,
        needs_context: bool,
    ) -> None:
        self.truth.holds.append(
            {"t_start": t_start, "t_end": t_end, "duration_s": t_end - t_start,
             "exercise": exercise, "side": side, "target_s": target_s,
             "needs_context": needs_context}
        )  # fmt: skip

    def log_set(
        self, exercise: str, side: str | None, t_start: float, count: int, set_index: int, kind: str
    ) -> None:
        self.truth.sets.append(
            {"t_start": t_start, "t_end": self.now_s, "exercise": exercise, "side": side,
             "count": count, "set": set_index, "kind": kind}
        )  # fmt: skip
