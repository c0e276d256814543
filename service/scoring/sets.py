"""Sets and names as a person reads them: count, exercise, side and where a set begins and ends.

A person reads ``set_ended exercise=dead_bug count=30`` and nothing else: if they did ten
isometric hip flexions per side and ten bridges, that line is wrong three times over, whatever
the number of rep events inside some time window. So the scorer rebuilds the chain's sets from
its events, matches them one to one with the truth's sets, and judges each on its count, its
name, its side and its boundaries (docs/truth.md, "How the scorer uses it").

A generic name (``exercise``, ``unknown``, empty) is honest: the chain counted a set without
knowing what it was. It scores as *unnamed*, never as right, and is reported apart from a
*wrong* name (another exercise), which tells the person something false.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dsp.events import Event, HoldEndedEvent, RepEvent, SetEndedEvent
from service.scoring.matching import match_intervals

#: Names that say "an exercise, not known which": scored as unnamed, not as wrong.
GENERIC_NAMES = frozenset({"", "exercise", "unknown", "generic", "none"})
#: How far (s) a set's first rep may start before the truth's first rep and its last rep end
#: after the truth's last rep and still be "the same boundaries".
BOUNDARY_SLACK_S = 1.5
#: Margin of the old windowed count (reps whose middle is in the set's interval +- margin).
SET_MARGIN_S = 1.5

NAME_RIGHT, NAME_UNNAMED, NAME_OTHER = "right", "unnamed", "other"


def name_class(found: str | None, true: str) -> str:
    """``right``, ``unnamed`` (a generic or missing name) or ``other`` (another exercise)."""
    if found is None or found.strip().lower() in GENERIC_NAMES:
        return NAME_UNNAMED
    return NAME_RIGHT if found == true else NAME_OTHER


def rep_time(rep: RepEvent) -> float:
    """When a rep happened: the middle of its movement, not the time it was decided. A rep
    is decided when it is back, and with no exercise given the first rep of a set only once
    the second confirms it (its ``t`` is then the second's): by ``t`` it would be scored
    against whatever the person did next."""
    return rep.t_start + 0.5 * rep.duration_s


def rep_interval(rep: RepEvent) -> tuple[float, float]:
    return (rep.t_start, rep.t_start + rep.duration_s)


@dataclass(frozen=True, slots=True)
class FoundSet:
    """A set as the chain reported it: its reps, the name and count a person reads."""

    t_start: float
    t_end: float
    exercise: str
    count: int
    side: str | None
    reps: tuple[RepEvent, ...]


def _side_of(reps: Sequence[RepEvent]) -> str | None:
    """One side if every rep names the same one, else none (both sides, or no side)."""
    sides = {r.side for r in reps}
    return next(iter(sides)) if len(sides) == 1 else None


def found_sets(events: Sequence[Event]) -> list[FoundSet]:
    """The chain's sets: each ``set_ended`` with the reps it closes (name and count as
    reported); reps no ``set_ended`` closed (a chain that stops early, or one that reports no
    sets) are grouped where their index starts again at 1 or their exercise changes."""
    reps = sorted((e for e in events if isinstance(e, RepEvent)), key=lambda r: r.t_start)
    ends = sorted((e for e in events if isinstance(e, SetEndedEvent)), key=lambda e: e.t)
    used: set[int] = set()
    out: list[FoundSet] = []
    for end in ends:
        # The reps it counted: the first ``count`` not yet taken that began at its start
        # and were reported by its end (the next set's first rep may share its instant).
        mine = [
            (i, r)
            for i, r in enumerate(reps)
            if i not in used and end.t_start - 1e-3 <= r.t_start and r.t <= end.t + 1e-3
        ][: max(0, end.count)]
        used.update(i for i, _ in mine)
        members = tuple(r for _, r in mine)
        t0 = min((r.t_start for r in members), default=end.t_start)
        t1 = max((rep_interval(r)[1] for r in members), default=end.t)
        # A set event that names its side itself is read as the person reads it.
        side = getattr(end, "side", None) or _side_of(members)
        out.append(FoundSet(t0, t1, end.exercise, end.count, side, members))
    loose: list[list[RepEvent]] = []
    for i, r in enumerate(reps):
        if i in used:
            continue
        if not loose or r.index == 1 or r.exercise != loose[-1][-1].exercise:
            loose.append([r])
        else:
            loose[-1].append(r)
    out.extend(
        FoundSet(
            group[0].t_start,
            max(rep_interval(r)[1] for r in group),
            group[-1].exercise,
            len(group),
            _side_of(group),
            tuple(group),
        )
        for group in loose
    )
    return sorted(out, key=lambda s: s.t_start)


@dataclass
class SetCounts:
    """Per exercise of the truth: how its rep sets were reported."""

    sets: int = 0
    exact: int = 0  # count, name, side and boundaries all right
    within_one: int = 0  # the reported count within one of the true count
    count_exact: int = 0  # the old windowed figure: rep events in the set's time window
    found: int = 0  # a reported set matched this one
    count_right: int = 0
    name: dict[str, int] = field(default_factory=dict)  # right / unnamed / other
    side_right: int = 0
    boundary_right: int = 0


@dataclass
class NameCounts:
    """Per exercise of the truth: how each rep or hold was named (missed: not found)."""

    right: int = 0
    unnamed: int = 0
    other: int = 0
    missed: int = 0
    named_as: dict[str, int] = field(default_factory=dict)  # other name -> times


def _bump(d: dict[str, int], key: str, n: int = 1) -> None:
    d[key] = d.get(key, 0) + n


def _boundaries_match(fs: FoundSet, st: dict[str, Any], true_reps: list[dict[str, Any]]) -> bool:
    if true_reps:
        first, last = true_reps[0], true_reps[-1]
        start_ok = first["t_start"] - BOUNDARY_SLACK_S <= fs.t_start <= first["t_end"]
        end_ok = last["t_start"] <= fs.t_end <= last["t_end"] + BOUNDARY_SLACK_S
        return bool(start_ok and end_ok)
    return bool(
        abs(fs.t_start - st["t_start"]) <= BOUNDARY_SLACK_S
        and abs(fs.t_end - st["t_end"]) <= BOUNDARY_SLACK_S
    )


def score_sets(
    events: Sequence[Event], truth: dict[str, Any], sets: dict[str, SetCounts]
) -> tuple[int, int]:
    """Judge every rep set of the truth; returns (reported sets named as another exercise,
    reported sets matching no true set)."""
    true_sets = [s for s in truth.get("sets", []) if s["kind"] == "reps"]
    true_reps = sorted(truth.get("reps", []), key=lambda r: r["t_start"])
    found = found_sets(events)
    pairs = dict(
        match_intervals(
            [(s["t_start"], s["t_end"]) for s in true_sets], [(f.t_start, f.t_end) for f in found]
        )
    )
    mids = [rep_time(e) for e in events if isinstance(e, RepEvent)]
    named_other = 0
    for i, st in enumerate(true_sets):
        c = sets.setdefault(st["exercise"], SetCounts())
        c.sets += 1
        window = sum(
            1 for m in mids if st["t_start"] - SET_MARGIN_S <= m <= st["t_end"] + SET_MARGIN_S
        )
        c.count_exact += int(window == st["count"])
        j = pairs.get(i)
        if j is None:
            c.within_one += int(st["count"] <= 1)
            continue
        fs = found[j]
        mine = [r for r in true_reps if st["t_start"] - 1e-3 <= r["t_start"] <= st["t_end"]]
        naming = name_class(fs.exercise, st["exercise"])
        side_ok = fs.side == st["side"]
        bounds_ok = _boundaries_match(fs, st, mine)
        c.found += 1
        c.count_right += int(fs.count == st["count"])
        c.within_one += int(abs(fs.count - st["count"]) <= 1)
        _bump(c.name, naming)
        named_other += int(naming == NAME_OTHER)
        c.side_right += int(side_ok)
        c.boundary_right += int(bounds_ok)
        c.exact += int(fs.count == st["count"] and naming == NAME_RIGHT and side_ok and bounds_ok)
    matched = set(pairs.values())
    return named_other, sum(1 for j in range(len(found)) if j not in matched)


def score_rep_names(
    events: Sequence[Event], truth: dict[str, Any], names: dict[str, NameCounts]
) -> tuple[int, int]:
    """Each true rep matched one to one with a reported rep by overlap, its name judged;
    returns (matched reps whose true side is known, of which the side was right)."""
    true_reps = truth.get("reps", [])
    reps = [e for e in events if isinstance(e, RepEvent)]
    pairs = dict(
        match_intervals(
            [(r["t_start"], r["t_end"]) for r in true_reps], [rep_interval(r) for r in reps]
        )
    )
    sided = side_right = 0
    for i, tr in enumerate(true_reps):
        c = names.setdefault(tr["exercise"], NameCounts())
        j = pairs.get(i)
        if j is None:
            c.missed += 1
            continue
        _judge_name(c, reps[j].exercise, tr["exercise"])
        if tr["side"] is not None:
            sided += 1
            side_right += int(reps[j].side == tr["side"])
    return sided, side_right


def judge_hold_name(
    names: dict[str, NameCounts], found: HoldEndedEvent | None, true_exercise: str
) -> None:
    c = names.setdefault(true_exercise, NameCounts())
    if found is None:
        c.missed += 1
    else:
        _judge_name(c, found.exercise, true_exercise)


def _judge_name(c: NameCounts, found: str, true: str) -> None:
    naming = name_class(found, true)
    if naming == NAME_RIGHT:
        c.right += 1
    elif naming == NAME_UNNAMED:
        c.unnamed += 1
    else:
        c.other += 1
        _bump(c.named_as, found)
