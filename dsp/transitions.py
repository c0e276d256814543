"""A forward lean that ends somewhere else is a transition, not a bend.

Sitting down leans the trunk forward 15-40 deg, standing up from a chair or from the floor
too, and getting down to the floor starts with the lean of a squat or of kneeling. The flexion
detector sees an excursion past its threshold that comes back, exactly like a bend. What
tells them apart is where the body comes to rest afterwards: after a bend, where it was
before (same posture, same orientation, same height); after a transition, somewhere else
(sitting is ~0.45 m lower than standing, the floor ~0.8 m, hands and knees face down).

So each finished episode waits for the body's next rest and is compared with the last rest
before it began. A rest is where the orientation has been steady (``steady_deg`` for
``steady_s``, as the excursion tracker's rests) or where the height tracker's stillness
settled (the lumbar height is known only then); each is the state at the first sample of
its run, the same sample for any chunking:

- another posture, or an orientation more than ``max_rest_change_deg`` away, or a lumbar
  height that changed by more than ``max_height_change_m`` (both known): a transition, dropped;
- otherwise a bend, reported once the height agrees too, or ``height_wait_s`` after the
  steady rest if the height does not settle (a noisy sensor's stillness flag), so a bend
  is reported within about 1.5 s of coming back (``t`` = the decision; ``t_start``/``t_end``
  its own times);
- no rest within ``max_wait_s`` after it and the body near where it was (walking on after a
  stoop): a bend, reported then; far from it (on the way to the floor), it waits for a rest
  up to ``max_wait_far_s``;
- still at the bottom of the next bend before any rest (toe touches one after another): the
  body came back in between, a bend;
- before the first rest of a segment, its first sample stands for it.

Not used: a rest *during* the lean lower than the one before (the knees bent, a crouch): on
SisFall it dropped 29 of 160 real stoops too (a waist belt at the front drops as the hips
bend), so crouches that come back to standing are still reported as bends.

Assumed: a person comes to rest within a few seconds of a bend or a transition (measured on
SisFall's sit, crouch and stoop trials and the simulated sessions, not on long free-living
recordings). Decisions are made at samples with the state carried, so the episodes are the
same for any chunking.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dsp.detectors.steadiness import Steadiness
from dsp.flexion import FlexionEpisode
from firmware_protocol.samples import FloatArray


class TransitionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_rest_change_deg: float = Field(
        default=20.0,
        gt=0,
        description="rests before and after a bend closer than this (a chair to standing is "
        "~10 deg; the floor or hands and knees 60-90)",
    )
    max_height_change_m: float = Field(
        default=0.25,
        gt=0,
        description="rests before and after a bend closer in height than this (sitting is "
        "~0.45 m below standing)",
    )
    max_wait_s: float = Field(
        default=2.5, gt=0, description="a bend with no rest after it this long is reported"
    )
    max_wait_far_s: float = Field(
        default=10.0,
        gt=0,
        description="a bend with no rest after it, the body still far from where it was: "
        "reported after this long",
    )
    steady_deg: float = Field(
        default=1.0, gt=0, description="orientation within this for steady_s: at rest"
    )
    steady_s: float = Field(default=0.5, gt=0, description="see steady_deg")
    height_wait_s: float = Field(
        default=1.5,
        gt=0,
        description="after a steady rest in the same place, how long to wait for the height "
        "(known only once still) before reporting the bend",
    )


@dataclass(frozen=True, slots=True)
class _Rest:
    t_s: float  # first sample of the rest
    u: FloatArray
    posture: int
    height_m: float
    height_known: bool  # a settled (still) rest: its height is up to date


@dataclass(slots=True)
class _Waiting:
    episode: FlexionEpisode
    before: _Rest | None
    same_place_t: float | None = None  # a steady rest after it was in the same place


_UNKNOWN_POSTURE = 0  # dsp.detectors.frame: POSTURES[0]


class TransitionGate:
    """``update(...)`` -> the episodes that were bends, with ``index`` = their decision."""

    def __init__(self, settings: TransitionSettings, rate_hz: float) -> None:
        self.settings = settings
        self._n_back = max(2, round(settings.steady_s * rate_hz))
        self.reset()

    def reset(self) -> None:
        self._rests: deque[_Rest] = deque(maxlen=64)
        self._pending: list[_Waiting] = []
        self._was = (False, False)
        self._started = False
        self._steadiness = Steadiness(self.settings.steady_deg)

    def pending(self) -> list[FlexionEpisode]:
        """Episodes still waiting for a rest (the session ends: they are bends)."""
        return [w.episode for w in self._pending]

    def update(
        self,
        t_s: FloatArray,
        u_body: FloatArray,
        posture_code: np.ndarray,
        heights_m: FloatArray,
        settled: np.ndarray,
        episodes: list[FlexionEpisode],
        bent: np.ndarray,
    ) -> list[FlexionEpisode]:
        """``bent``: per sample, beyond the flexion threshold (inside an episode)."""
        n = t_s.shape[0]
        out: list[FlexionEpisode] = []
        if n == 0:
            return out
        settled = settled.astype(bool)
        steady = self._steadiness.update(u_body, self._n_back, self._n_back).settled
        if not self._started:
            # Where the segment began is the first rest (a trial starts standing still before
            # the motion detector's baselines call anything still); its posture is unknown.
            self._started = True
            self._rests.append(_Rest(float(t_s[0]), u_body[0], _UNKNOWN_POSTURE, np.nan, False))
        marks: list[tuple[int, int]] = [(ep.index, 2) for ep in episodes]
        for kind, flags, was in ((0, settled, self._was[0]), (1, steady, self._was[1])):
            prev = np.concatenate([[was], flags[:-1]])
            marks += [(int(k), kind) for k in np.flatnonzero(flags & ~prev)]
        self._was = (bool(settled[-1]), bool(steady[-1]))
        by_end = iter(sorted(episodes, key=lambda e: e.index))
        cursor = 0
        for k, kind in sorted(marks):
            out += self._expire(t_s, u_body, cursor, k)
            cursor = k
            if kind == 2:
                ep = next(by_end)
                self._pending.append(_Waiting(ep, self._rest_before(ep.t_start)))
                continue
            if bent[k]:
                # Still at the bottom of the next bend: the body came back in between, so
                # what waits was a bend (toe touches with no steady moment between them).
                out += [replace(w.episode, index=k) for w in self._pending]
                self._pending = []
                continue
            rest = _Rest(float(t_s[k]), u_body[k], int(posture_code[k]), heights_m[k], kind == 0)
            out += self._judge(k, rest)
            self._rests.append(rest)
        out += self._expire(t_s, u_body, cursor, n)
        out.sort(key=lambda ep: ep.index)
        return out

    def _rest_before(self, t: float) -> _Rest | None:
        for rest in reversed(self._rests):
            if rest.t_s < t:
                return rest
        return None

    def _same_place(self, before: _Rest, rest: _Rest) -> bool:
        s = self.settings
        angle = float(np.degrees(np.arccos(np.clip(float(rest.u @ before.u), -1.0, 1.0))))
        postures = (before.posture, rest.posture)
        same_posture = _UNKNOWN_POSTURE in postures or postures[0] == postures[1]
        return same_posture and angle <= s.max_rest_change_deg

    def _judge(self, index: int, rest: _Rest) -> list[FlexionEpisode]:
        """The body is at rest at ``index``: each waiting episode was a bend or a transition."""
        s = self.settings
        out: list[FlexionEpisode] = []
        waiting = []
        for w in self._pending:
            ep, before = w.episode, w.before
            if rest.t_s <= ep.t_end:
                waiting.append(w)
                continue
            if before is None:
                out.append(replace(ep, index=index))
                continue
            if not self._same_place(before, rest):
                continue  # a transition: dropped
            if not rest.height_known:
                w.same_place_t = rest.t_s if w.same_place_t is None else w.same_place_t
                waiting.append(w)  # the height decides, if it settles soon
                continue
            moved = abs(rest.height_m - before.height_m) > s.max_height_change_m  # NaN: False
            if not moved:
                out.append(replace(ep, index=index))
        self._pending = waiting
        return out

    def _expire(
        self, t_s: FloatArray, u_body: FloatArray, lo: int, hi: int
    ) -> list[FlexionEpisode]:
        """Bends whose wait is over on samples ``lo:hi``: ``max_wait_s`` after the episode if
        the body is near where it was before (walking on after a stoop), else only after
        ``max_wait_far_s`` (still on the way somewhere else: the floor, a chair)."""
        if not self._pending or hi <= lo:
            return []
        s = self.settings
        out: list[FlexionEpisode] = []
        keep = []
        cos_near = np.cos(np.radians(s.max_rest_change_deg))
        for w in self._pending:
            ep, before = w.episode, w.before
            t = t_s[lo:hi]
            due = t >= ep.t_end + s.max_wait_s
            if w.same_place_t is not None:
                due |= t >= w.same_place_t + s.height_wait_s
            elif before is not None:
                due &= (u_body[lo:hi] @ before.u >= cos_near) | (t >= ep.t_end + s.max_wait_far_s)
            late = np.flatnonzero(due)
            if late.size:
                out.append(replace(ep, index=lo + int(late[0])))
            else:
                keep.append(w)
        self._pending = keep
        return out
