"""Getting from one rest posture to another: sitting down, lying down, kneeling, rolling.

Every transition is logged as a negative activity (a correct detector raises no rep, hold or
alert in it) and its posture as ``unknown``. :func:`go_to` finds the shortest chain of
transitions, so a script can put bridges after toe touches and the body lies down in between.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable

from sensor.simulator.builder import Builder


def _sit_down(b: Builder) -> None:
    rest = b.rest_pose("sitting")
    b.move(b.pose.turned(flex_deg=b.amp(16.0)).at(z_m=0.68).forward(-0.08), 0.9)
    b.move(rest.forward(-0.15), 0.8)


def _stand_up(b: Builder) -> None:
    b.move(b.pose.turned(flex_deg=b.amp(24.0)).at(z_m=0.58).forward(0.08), 0.9)
    b.move(b.rest_pose("standing").forward(0.15), 0.9)


def _lie_supine(b: Builder) -> None:
    b.move(b.rest_pose("standing").turned(flex_deg=b.amp(25.0)).at(z_m=0.55), 1.2)
    b.move(b.rest_pose("floor_sitting").forward(-0.3), 1.2)
    b.move(b.rest_pose("supine").forward(-0.3), 1.4)


def _get_up_supine(b: Builder) -> None:
    b.move(b.rest_pose("floor_sitting").forward(0.3), 1.5)
    b.move(b.rest_pose("standing").turned(flex_deg=b.amp(25.0)).at(z_m=0.55).forward(0.3), 1.3)
    b.move(b.rest_pose("standing"), 1.2)


def _kneel(b: Builder) -> None:
    b.move(b.rest_pose("standing").turned(flex_deg=b.amp(20.0)).at(z_m=0.62), 1.3)
    b.move(b.rest_pose("quadruped"), 1.3)


def _stand_from_knees(b: Builder) -> None:
    b.move(b.rest_pose("standing").turned(flex_deg=b.amp(20.0)).at(z_m=0.62), 1.3)
    b.move(b.rest_pose("standing"), 1.4)


def _lower_prone(b: Builder) -> None:
    b.move(b.rest_pose("prone").forward(0.2), 1.5)


def _push_to_knees(b: Builder) -> None:
    b.move(b.rest_pose("quadruped").forward(-0.2), 1.5)


def _roll(target: str) -> Callable[[Builder], None]:
    def roll(b: Builder) -> None:
        b.move(b.rest_pose(target), 1.5)

    return roll


def _roll_prone_supine(target: str) -> Callable[[Builder], None]:
    # Supine poses have the head opposite the heading, prone ones along it (see
    # Builder.rest_pose): rolling over flips the heading once, where the body is on its side.
    def flip(b: Builder) -> None:
        b.timeline.move_to(b.pose.at(heading_deg=b.pose.heading_deg + 180.0), 1e-3)

    def roll(b: Builder) -> None:
        if target == "supine":
            flip(b)
        b.move(b.rest_pose("side_right"), 1.2)
        if target == "prone":
            flip(b)
        b.move(b.rest_pose(target), 1.2)

    return roll


def _sit_on_floor(b: Builder) -> None:
    b.move(b.rest_pose("standing").turned(flex_deg=b.amp(25.0)).at(z_m=0.55), 1.2)
    b.move(b.rest_pose("floor_sitting").forward(-0.3), 1.2)


def _stand_from_floor(b: Builder) -> None:
    b.move(b.rest_pose("standing").turned(flex_deg=b.amp(25.0)).at(z_m=0.55).forward(0.3), 1.5)
    b.move(b.rest_pose("standing"), 1.2)


def _lie_back(b: Builder) -> None:
    b.move(b.rest_pose("supine").forward(-0.3), 1.4)


def _sit_up_to_floor(b: Builder) -> None:
    b.move(b.rest_pose("floor_sitting").forward(0.3), 1.5)


#: (from, to) -> (activity name, how). Edges added later go at the end: the search takes the
#: first shortest path, so existing scripts keep the same transitions.
TRANSITIONS: dict[tuple[str, str], tuple[str, Callable[[Builder], None]]] = {
    ("standing", "sitting"): ("sit_down", _sit_down),
    ("sitting", "standing"): ("stand_up", _stand_up),
    ("standing", "supine"): ("lie_down", _lie_supine),
    ("supine", "standing"): ("get_up", _get_up_supine),
    ("standing", "quadruped"): ("kneel_down", _kneel),
    ("quadruped", "standing"): ("get_up", _stand_from_knees),
    ("quadruped", "prone"): ("lie_down", _lower_prone),
    ("prone", "quadruped"): ("get_up", _push_to_knees),
    ("supine", "side_left"): ("roll", _roll("side_left")),
    ("supine", "side_right"): ("roll", _roll("side_right")),
    ("side_left", "supine"): ("roll", _roll("supine")),
    ("side_right", "supine"): ("roll", _roll("supine")),
    ("supine", "prone"): ("roll", _roll_prone_supine("prone")),
    ("prone", "supine"): ("roll", _roll_prone_supine("supine")),
    ("standing", "floor_sitting"): ("sit_down", _sit_on_floor),
    ("floor_sitting", "standing"): ("stand_up", _stand_from_floor),
    ("floor_sitting", "supine"): ("lie_down", _lie_back),
    ("supine", "floor_sitting"): ("get_up", _sit_up_to_floor),
}


def _path(start: str, goal: str) -> list[str]:
    prev: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for a, c in TRANSITIONS:
            if a == node and c not in prev:
                prev[c] = node
                queue.append(c)
    if goal not in prev:
        raise ValueError(f"no way from {start} to {goal}")
    path = [goal]
    while (p := prev[path[-1]]) is not None:
        path.append(p)
    return path[::-1]


def go_to(b: Builder, posture: str) -> None:
    """Move through the transitions from the current rest posture to ``posture``."""
    path = _path(b.posture, posture)
    for a, c in itertools.pairwise(path):
        name, how = TRANSITIONS[(a, c)]
        b.set_posture("transition")
        with b.activity(name, negative=True):
            how(b)
        b.set_posture(c)
        b.hold(b.rest_time(1.5))
