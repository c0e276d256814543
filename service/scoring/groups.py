"""Which kind of session a truth document describes, so figures can be split by it.

The chain used to be measured only on sessions that start with "stand still, bend forward
once". People skip that ritual, or start on the floor; each figure is printed for each group
so that a chain good on one kind and silent on another cannot hide behind an average.
"""

from __future__ import annotations

from typing import Any

RITUAL = "ritual"
NO_RITUAL = "no_ritual"
STARTS_LYING = "starts_lying"
GROUPS = (RITUAL, NO_RITUAL, STARTS_LYING)
GROUP_TITLES = {
    RITUAL: "stand-and-bend ritual",
    NO_RITUAL: "no ritual",
    STARTS_LYING: "starts lying down",
}
#: Rest postures that count as "lying down" at the start (on the back, front, a side, or on
#: hands and knees: on the floor, not standing).
LYING = frozenset({"supine", "prone", "side_left", "side_right", "quadruped"})


def session_group(truth: dict[str, Any]) -> str:
    """``starts_lying`` when the first rest posture is on the floor, ``ritual`` when the
    first activity is the calibration (stand still, one forward bend), else ``no_ritual``."""
    postures = sorted(truth.get("postures", []), key=lambda p: p["t_start"])
    if postures and postures[0].get("rest_posture") in LYING:
        return STARTS_LYING
    activities = sorted(truth.get("activities", []), key=lambda a: a["t_start"])
    if activities and activities[0]["activity"] == "calibration":
        return RITUAL
    return NO_RITUAL
