"""The report as one self-contained HTML page: the plot embedded, tables, plain words.

Nothing is linked from elsewhere (no script, no font, no style sheet): the file can be mailed
to a physio or opened years later. ``sections`` is the hook for more (a trend over past
sessions from the history, say): each is a title and an HTML fragment put before the footer.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from service.displays.text import clock, duration, exercise_name
from service.report.collect import Session

# Steadiness of a hold from its RMS sway: descriptive bands for a reader, not a clinical scale.
STEADY_DEG = 1.0
WOBBLY_DEG = 3.0

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 1.5rem auto; padding: 0 1rem;
       color: #1b2430; }
h1 { margin-bottom: 0.2rem; } .muted { color: #5c6b7a; }
img { max-width: 100%; border: 1px solid #dde3ea; border-radius: 6px; }
table { border-collapse: collapse; margin: 0.6rem 0 1.2rem; }
th, td { border-bottom: 1px solid #dde3ea; padding: 0.35rem 0.8rem; text-align: left; }
th { background: #f3f6f9; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f45; font-weight: 600; } .short { color: #b54708; font-weight: 600; }
.warn { color: #c4262e; font-weight: 600; }
"""


@dataclass(frozen=True)
class Section:
    """A part of the page added by someone else: ``body`` is trusted HTML."""

    title: str
    body: str


def _e(text: object) -> str:
    return html.escape(str(text))


def steadiness(sway_deg: float) -> str:
    if sway_deg < STEADY_DEG:
        return "very steady"
    if sway_deg < WOBBLY_DEG:
        return "steady"
    return "wobbly"


def exposure_words(s: Session) -> list[str]:
    """Flexion exposure in sentences a patient understands."""
    out: list[str] = []
    summary = s.summary
    if summary is None:
        return ["The recording ended before holdfast could sum up the session."]
    zones = s.settings.detectors.zones
    total = sum(summary.time_in_zone_s.values()) or 1.0

    def part(key: str) -> str:
        seconds = summary.time_in_zone_s.get(key, 0.0)
        return f"{duration(seconds)} ({100 * seconds / total:.0f} %)"

    # The zones count only time on your feet (or sitting up): lying down is not a bend.
    out.append(
        f"Of the {duration(total)} you were standing or sitting up (the session lasted "
        f"{duration(summary.duration_s)}), you spent {part('neutral')} upright or "
        f"only slightly bent (less than {zones.neutral_max_deg:.0f}°), {part('moderate')} bent "
        f"forward ({zones.neutral_max_deg:.0f}-{zones.moderate_max_deg:.0f}°) and "
        f"{part('severe')} bent far forward (more than {zones.moderate_max_deg:.0f}°)."
    )
    if summary.bends:
        deepest = (
            f" The deepest bend was {summary.deepest_bend_deg:.0f}°."
            if summary.deepest_bend_deg is not None
            else ""
        )
        times = "once" if summary.bends == 1 else f"{summary.bends} times"
        out.append(
            f"You bent forward {times}: at this pace that is about "
            f"{summary.bends_per_hour:.0f} bends an hour.{deepest}"
        )
    else:
        out.append("You did not bend forward at all.")
    if s.alerts:
        when = ", ".join(clock(a.t) for a in s.alerts)
        n = len(s.alerts)
        out.append(
            f"holdfast warned you {'once' if n == 1 else f'{n} times'} about repeated or long "
            f"forward bending (at {when}). Physical therapists advise people with back pain to "
            "avoid that: stand up straight and take a break when the warning comes."
        )
    else:
        out.append("There was no warning about repeated or long forward bending.")
    return out


def _sets_table(s: Session) -> str:
    if not s.sets:
        return "<p>No repetitions were counted.</p>"
    rows = []
    for st in s.sets:
        roms = [r.rom_deg for r in st.reps]
        side = {r.side for r in st.reps if r.side}
        rows.append(
            f"<tr><td>{_e(exercise_name(st.exercise))}</td><td class=num>{st.number}</td>"
            f"<td class=num>{len(st.reps)}</td><td>{_e(', '.join(sorted(side)) or '-')}</td>"
            f"<td class=num>{sum(roms) / len(roms):.0f}° ({min(roms):.0f}-{max(roms):.0f}°)</td>"
            f"<td>{clock(st.t_start)}-{clock(st.t_end)}</td></tr>"
        )
    return (
        "<table><tr><th>exercise</th><th>set</th><th>reps</th><th>side</th>"
        "<th>range of motion: mean (least-most)</th><th>when</th></tr>" + "".join(rows) + "</table>"
    )


def _tenths_down(seconds: float) -> str:
    """9.96 s held is not "10.0 s" against a 10 s target it missed."""
    return f"{math.floor(seconds * 10) / 10:.1f}"


def _holds_table(s: Session) -> str:
    if not s.holds:
        return "<p>No holds.</p>"
    rows = []
    for h in s.holds:
        verdict = (
            "<span class=ok>target reached</span>"
            if h.completed
            else f"<span class=short>{max(0.1, h.target_s - h.duration_s):.1f} s short</span>"
        )
        rows.append(
            f"<tr><td>{_e(exercise_name(h.exercise))}</td><td>{_e(h.side or '-')}</td>"
            f"<td class=num>{_tenths_down(h.duration_s)} s</td>"
            f"<td class=num>{h.target_s:.0f} s</td>"
            f"<td>{verdict}</td><td>{steadiness(h.sway_deg)} (sway {h.sway_deg:.1f}°)</td>"
            f"<td>{clock(h.t_start)}</td></tr>"
        )
    return (
        "<table><tr><th>exercise</th><th>side</th><th>held</th><th>target</th><th>result</th>"
        "<th>steadiness</th><th>started</th></tr>" + "".join(rows) + "</table>"
    )


def in_short(s: Session) -> str:
    reps = len(s.reps)
    holds = len(s.holds)
    reached = sum(1 for h in s.holds if h.completed)
    parts = [
        f"{reps} repetition{'s' if reps != 1 else ''} in {len(s.sets)} set"
        f"{'s' if len(s.sets) != 1 else ''}",
        f"{holds} hold{'s' if holds != 1 else ''} ({reached} reached the target)",
        f"{len(s.bends)} forward bend{'s' if len(s.bends) != 1 else ''}",
        f"{len(s.alerts)} warning{'s' if len(s.alerts) != 1 else ''}",
    ]
    return ", ".join(parts)


def render(s: Session, png: bytes, *, version: str = "", sections: Sequence[Section] = ()) -> str:
    length = (
        duration(s.summary.duration_s) if s.summary else clock(float(s.t[-1]) if len(s.t) else 0)
    )
    img = base64.b64encode(png).decode("ascii")
    extra = "".join(f"<h2>{_e(x.title)}</h2>\n{x.body}\n" for x in sections)
    words = "".join(f"<p>{_e(line)}</p>" for line in exposure_words(s))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>holdfast report: {_e(s.name)}</title><style>{STYLE}</style></head>
<body>
<h1>Session report</h1>
<p class=muted>{_e(s.name)} · sensor {_e(s.sensor)} · {_e(length)}</p>
<p id=in-short><strong>In short:</strong> {_e(in_short(s))}.</p>
<img id=plot alt="trunk flexion over time with reps, holds, bends and warnings marked"
 src="data:image/png;base64,{img}">
<h2>Exercises, set by set</h2>
{_sets_table(s)}
<h2>Holds</h2>
{_holds_table(s)}
<h2>Bending forward</h2>
{words}
{extra}<p class=muted>Made by holdfast {_e(version)}. holdfast counts and times; it does not
diagnose. Thresholds and their sources: docs/detectors.md.</p>
</body></html>
"""
