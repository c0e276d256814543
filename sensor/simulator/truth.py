"""Ground truth of a simulated session, computed from the noise-free kinematics.

The file format is documented in ``docs/truth.md``. Flexion episodes and the alerts a correct
detector must raise are derived from the true angle, with the same definitions the detectors
use (issue 4): an episode is a forward flexion beyond 30 deg relative to the posture the
movement started from, and back; ``repeated`` = 3 or more episodes deeper than 45 deg within
60 s; ``sustained`` = beyond 60 deg for more than 20 s; prescribed flexion (the "L" stretch)
alerts only when the chain was not told the exercise (``auto_only``). Cases within a margin
of a threshold are kept but marked ``required: false`` (a detector may or may not report
them; the scorer counts neither a hit nor a miss).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from firmware_protocol.samples import FloatArray
from sensor.simulator.builder import Builder
from sensor.simulator.kinematics import body_motion, true_angles
from sensor.simulator.link_model import Gap

TRUTH_FORMAT = "holdfast-truth"
TRUTH_VERSION = 1
FINE_DT_S = 0.02
TRACE_RATE_HZ = 10.0
EPISODE_THRESHOLD_DEG = 30.0
EPISODE_MARGIN_DEG = 5.0
REPEATED_DEPTH_DEG = 45.0
REPEATED_COUNT = 3
REPEATED_WINDOW_S = 60.0
SUSTAINED_DEG = 60.0
SUSTAINED_S = 20.0
#: A set ends after a rest longer than this (docs/detectors.md: longer than a 3 s hold plus a
#: breath between reps, shorter than a rest between sets). Steps of one exercise (and side)
#: with a shorter rest between them, and nothing else in between, are one set.
SET_PAUSE_S = 10.0
#: Flexion is undefined when lying on a side: |lateral| beyond this masks it.
FLEXION_DEFINED_LATERAL_DEG = 60.0
STILL_RATE_DPS = 3.0


def _runs(mask: np.ndarray[Any, np.dtype[np.bool_]]) -> list[tuple[int, int]]:
    """Index ranges ``[a, b)`` where ``mask`` is True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def _leaf_activities(b: Builder) -> list[dict[str, Any]]:
    acts = b.truth.activities
    leaves = []
    for a in acts:
        inner = [
            c
            for c in acts
            if c is not a
            and c["t_start"] >= a["t_start"]
            and c["t_end"] <= a["t_end"]
            and (c["t_end"] > c["t_start"])
        ]
        if not inner:
            prescribed = any(
                o["prescribed_flexion"]
                and o["t_start"] <= a["t_start"]
                and a["t_end"] <= o["t_end"]
                for o in acts
            )
            leaves.append({**a, "prescribed": prescribed})
    return sorted(leaves, key=lambda a: a["t_start"])


def _episodes(
    t: FloatArray,
    flex: FloatArray,
    defined: np.ndarray[Any, np.dtype[np.bool_]],
    leaves: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    episodes: list[dict[str, Any]] = []
    sustained: list[dict[str, Any]] = []
    low = EPISODE_THRESHOLD_DEG - EPISODE_MARGIN_DEG
    for act in leaves:
        sel = np.flatnonzero((t >= act["t_start"]) & (t <= act["t_end"]))
        if sel.size < 2 or not defined[sel[0]]:
            continue
        base = float(flex[sel[0]])
        rel = np.where(defined[sel], flex[sel] - base, 0.0)
        for a, b in _runs(rel > low):
            if b >= sel.size or a == 0:
                continue  # did not come back within the activity: a posture change
            seg = rel[a:b]
            depth = float(seg.max())
            above = np.flatnonzero(seg > EPISODE_THRESHOLD_DEG)
            i0, i1 = (a + above[0], a + above[-1]) if above.size else (a, b - 1)
            k = a + int(np.argmax(seg))
            episodes.append(
                {
                    "t_start": _r(t[sel[i0]]),
                    "t_end": _r(t[sel[i1]]),
                    "t_peak": _r(t[sel[k]]),
                    "peak_deg": _r(base + depth, 2),
                    "baseline_deg": _r(base, 2),
                    "depth_deg": _r(depth, 2),
                    "activity": act["activity"],
                    "prescribed": bool(act["prescribed"]),
                    # A lean inside a transition (getting up off the floor) is not a bend:
                    # never demanded; a chain that reports it makes a false event there.
                    "required": bool(
                        depth >= EPISODE_THRESHOLD_DEG + EPISODE_MARGIN_DEG and not act["negative"]
                    ),
                }
            )
        for a, b in _runs(rel > SUSTAINED_DEG):
            length = float(t[sel[min(b, sel.size - 1)]] - t[sel[a]])
            if length > SUSTAINED_S - 3.0:
                sustained.append(
                    {
                        "t_start": _r(t[sel[a]]),
                        "t_end": _r(t[sel[min(b, sel.size - 1)]]),
                        "duration_s": _r(length),
                        "peak_deg": _r(base + rel[a:b].max(), 2),
                        "prescribed": bool(act["prescribed"]),
                        "required": bool(
                            length > SUSTAINED_S + 3.0 and rel[a:b].max() > SUSTAINED_DEG + 5.0
                        ),
                    }
                )
    return episodes, sustained


def _repeated_alerts(episodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alerts for runs of deep bends: one per run (a detector may re-alert inside it).

    Required alerts leave out the calibration bend (a setup movement the user is asked to
    make; the chain does not count it); counting it only widens the allowed window.
    """
    out: list[dict[str, Any]] = []
    for required, depth, window in ((True, 50.0, 57.0), (False, 40.0, 63.0)):
        eps = [
            e
            for e in episodes
            if not e["prescribed"]
            and e["depth_deg"] > depth
            and (not required or (e["required"] and e["activity"] != "calibration"))
        ]
        ends = np.array([e["t_end"] for e in eps])
        hits = [
            i
            for i in range(len(eps))
            if np.count_nonzero((ends > ends[i] - window) & (ends <= ends[i])) >= REPEATED_COUNT
        ]
        groups: list[list[int]] = []
        for i in hits:
            if groups and ends[i] - ends[groups[-1][-1]] <= window:
                groups[-1].append(i)
            else:
                groups.append([i])
        for g in groups:
            first, last = eps[g[0]], eps[g[-1]]
            members = [e for e in eps if first["t_end"] - window < e["t_end"] <= last["t_end"]]
            out.append(
                {
                    "reason": "repeated",
                    "t": first["t_end"],
                    "required": required,
                    "t_window": [_r(first["t_start"] - 1.0), _r(last["t_end"] + 5.0)],
                    "count": len(members),
                    "episodes": [e["t_start"] for e in members],
                }
            )
    return _dedupe(out)


def _dedupe(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold lenient (not required) alerts into the required ones they overlap.

    A detector may fire as soon as the lenient reading holds (a 48 deg bend is "deeper than
    45" for it), so a required alert's window opens at the earliest overlapping lenient one.
    """
    req = [dict(a) for a in alerts if a["required"]]
    keep = list(req)
    for a in alerts:
        if a["required"]:
            continue
        hits = [
            r
            for r in req
            if a["t_window"][0] <= r["t_window"][1] and r["t_window"][0] <= a["t_window"][1]
        ]
        for r in hits:
            r["t_window"] = [
                min(r["t_window"][0], a["t_window"][0]),
                max(r["t_window"][1], a["t_window"][1]),
            ]
        if not hits:
            keep.append(a)
    return sorted(keep, key=lambda a: a["t"])


def build_truth(
    b: Builder, duration_s: float, gaps: tuple[Gap, ...], meta: dict[str, Any]
) -> dict[str, Any]:
    """The whole truth document (see docs/truth.md)."""
    t = np.arange(0.0, duration_s, FINE_DT_S)
    motion = body_motion(b.timeline, t)
    ang = true_angles(motion.rot)
    defined = np.abs(ang.lateral_deg) < FLEXION_DEFINED_LATERAL_DEG
    # Average the rate over 0.5 s first: tremor (6-11 Hz) cancels out, a movement does not.
    mean_rate = uniform_filter1d(motion.rate_body_dps, size=int(0.5 / FINE_DT_S), axis=0)
    speed = np.linalg.norm(mean_rate, axis=1)
    still = maximum_filter1d(speed, size=int(0.6 / FINE_DT_S) | 1) < STILL_RATE_DPS
    leaves = _leaf_activities(b)
    episodes, sustained_runs = _episodes(t, ang.flexion_deg, defined, leaves)
    alerts = _repeated_alerts(episodes)
    for s in sustained_runs:
        alert = {
            "reason": "sustained",
            "t": _r(s["t_start"] + SUSTAINED_S),
            "required": s["required"],
            "t_window": [_r(s["t_start"] + SUSTAINED_S - 2.0), _r(s["t_end"] + 2.0)],
            "count": 1,
            "episodes": [],
        }
        if s["prescribed"]:
            # Prescribed flexion (the "L" stretch) is exempt only when the chain is told the
            # exercise; untold, it is a sustained deep bend like any other and the rule warns.
            alert["auto_only"] = True
        alerts.append(alert)
    sets, reps = _merge_sets(b.truth.sets, b.truth.reps, b.truth.activities)
    step = round(1.0 / (TRACE_RATE_HZ * FINE_DT_S))
    k = slice(0, None, step)
    trace = {
        "rate_hz": TRACE_RATE_HZ,
        "t": [_r(x, 2) for x in t[k]],
        "flexion_deg": [
            _r(x, 2) if d else None for x, d in zip(ang.flexion_deg[k], defined[k], strict=True)
        ],
        "lateral_deg": [_r(x, 2) for x in ang.lateral_deg[k]],
        "tilt_deg": [_r(x, 2) for x in ang.tilt_deg[k]],
        "height_m": [_r(x, 3) for x in motion.position_m[k, 2]],
        "still": [bool(x) for x in still[k]],
    }
    rnd = _round_records
    return {
        "format": TRUTH_FORMAT,
        "version": TRUTH_VERSION,
        **meta,
        "duration_s": _r(duration_s),
        "angles": trace,
        "flexion_episodes": episodes,
        "sustained_flexion": sustained_runs,
        "alerts": sorted(alerts, key=lambda a: a["t"]),
        "holds": rnd(b.truth.holds),
        "reps": rnd(reps),
        "sets": rnd(sets),
        "postures": rnd(b.truth.postures),
        "activities": rnd(sorted(b.truth.activities, key=lambda a: a["t_start"])),
        "gaps": [
            {"t_start": _r(g.t_start_s), "t_end": _r(g.t_end_s), "kind": g.kind} for g in gaps
        ],
    }


def _merge_sets(
    sets: list[dict[str, Any]], reps: list[dict[str, Any]], activities: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Sets as a person counts them: a script lays down each step as its own set, but a step
    of one bend, then another after a breath, then a third, is one set of three. Consecutive
    rep sets of the same exercise and side, less than ``SET_PAUSE_S`` apart, with no other
    activity between them, are merged; their reps are renumbered into the merged set."""
    out: list[dict[str, Any]] = []
    into: dict[int, tuple[int, int]] = {}  # id(old set) -> (merged set's number, index offset)
    for st in sorted(sets, key=lambda x: x["t_start"]):
        prev = out[-1] if out else None
        if (
            prev is not None
            and st["kind"] == "reps" == prev["kind"]
            and (st["exercise"], st["side"]) == (prev["exercise"], prev["side"])
            and st["t_start"] - prev["t_end"] < SET_PAUSE_S
            and not any(
                prev["t_end"] <= a["t_start"] and a["t_end"] <= st["t_start"] for a in activities
            )
        ):
            into[id(st)] = (prev["set"], prev["count"])
            prev.update(t_end=st["t_end"], count=prev["count"] + st["count"])
            continue
        into[id(st)] = (st["set"], 0)
        out.append(dict(st))
    new_reps = []
    for r in reps:
        owner = _owner(r, sets)
        if owner is None or id(owner) not in into:
            new_reps.append(r)
            continue
        number, offset = into[id(owner)]
        new_reps.append({**r, "set": number, "index": r["index"] + offset})
    return out, new_reps


def _owner(rep: dict[str, Any], sets: list[dict[str, Any]]) -> dict[str, Any] | None:
    for st in sets:
        if st["exercise"] == rep["exercise"] and st["t_start"] <= rep["t_start"] <= st["t_end"]:
            return st
    return None


def _round_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _r(v) if isinstance(v, float) else v for k, v in r.items()} for r in records]
