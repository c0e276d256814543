"""The retained state folded from events: what a late display draws."""

from __future__ import annotations

from dsp.events import (
    AngleEvent,
    Event,
    FlexionAlertEvent,
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    PostureEvent,
    RepEvent,
    SensorStatusEvent,
    SetEndedEvent,
)
from service.mqtt.state import SensorState, fold

S = "back"


def _fold_all(events: list[Event]) -> list[SensorState]:
    state = SensorState(sensor=S)
    out = []
    for seq, event in enumerate(events, start=1):
        state = fold(state, event.model_copy(update={"seq": seq, "id": f"x-{seq}"}))
        out.append(state)
    return out


def test_a_hold_shows_elapsed_and_target_until_it_ends() -> None:
    states = _fold_all(
        [
            SensorStatusEvent(t=0.0, sensor=S, status="connected"),
            PostureEvent(t=1.0, sensor=S, posture="side_right", previous="upright"),
            HoldStartedEvent(
                t=3.2, sensor=S, exercise="side_plank", side="right", target_s=30.0, t_start=3.0
            ),
            HoldTickEvent(
                t=4.0, sensor=S, exercise="side_plank", side="right", elapsed_s=1.0, target_s=30.0
            ),
            AngleEvent(t=4.05, sensor=S, flexion_deg=1.0, lateral_deg=80.0, tilt_deg=80.0),
            HoldEndedEvent(
                t=9.0,
                sensor=S,
                exercise="side_plank",
                side="right",
                t_start=3.0,
                duration_s=6.0,
                target_s=30.0,
                completed=False,
                reason="lowered",
                sway_deg=0.4,
                tremor_power=0.1,
            ),
        ]
    )
    started, tick, after_angle, ended = states[2:]
    assert started.hold is not None
    assert started.hold.t_start == 3.0
    assert started.hold.elapsed_s == 0.2
    assert tick.hold is not None
    assert (tick.hold.elapsed_s, tick.hold.target_s) == (1.0, 30.0)
    assert after_angle is tick  # angles have their own topic: the state does not change
    assert ended.hold is None
    assert ended.posture == "side_right"
    assert ended.connected
    assert ended.seq == 6


def test_reps_alerts_and_a_lost_link() -> None:
    states = _fold_all(
        [
            SensorStatusEvent(t=0.0, sensor=S, status="connected"),
            SensorStatusEvent(t=0.5, sensor=S, status="battery", battery_pct=81),
            RepEvent(
                t=5.0,
                sensor=S,
                index=1,
                exercise="bridge",
                rom_deg=25.0,
                duration_s=3.0,
                top_hold_s=1.0,
                t_start=2.0,
            ),
            RepEvent(
                t=9.0,
                sensor=S,
                index=2,
                exercise="bridge",
                rom_deg=26.0,
                duration_s=3.0,
                top_hold_s=1.0,
                t_start=6.0,
            ),
            FlexionAlertEvent(
                t=10.0, sensor=S, reason="repeated", count=5, window_s=60.0, threshold_deg=45.0
            ),
            SetEndedEvent(t=20.0, sensor=S, exercise="bridge", count=2, t_start=2.0),
            SensorStatusEvent(t=21.0, sensor=S, status="disconnected", detail="link lost"),
        ]
    )
    assert states[3].set is not None
    assert (states[3].set.exercise, states[3].set.count) == ("bridge", 2)
    assert states[4].last_alert is not None
    assert states[4].last_alert.id == "x-5"
    assert states[5].set is None
    assert states[5].last_alert == states[4].last_alert  # the last alert stays on display
    assert states[6].battery_pct == 81
    assert not states[6].connected
