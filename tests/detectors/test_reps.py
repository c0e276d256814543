"""Rep counting on synthetic sessions: counts, sets, partial reps, naming, context."""

from __future__ import annotations

from detector_helpers import RATE_HZ, SHIFT_S, bridges, lie_down, of_type, run, session
from synth import Key, split

from dsp.events import HoldEndedEvent, HoldStartedEvent, RepEvent, SetEndedEvent
from dsp.pipeline import Pipeline


def test_n_bridges_are_n_reps_and_one_set() -> None:
    keys = lie_down(0.0) + bridges(7.0, [25.0, 22.0, 27.0, 24.0, 26.0])
    events = run([session(keys)])
    reps = [e for e in of_type(events, RepEvent) if isinstance(e, RepEvent)]
    sets = [e for e in of_type(events, SetEndedEvent) if isinstance(e, SetEndedEvent)]
    assert [r.index for r in reps] == [1, 2, 3, 4, 5]
    assert {r.exercise for r in reps} == {"bridge"}
    assert not any(r.flagged for r in reps)
    assert len(sets) == 1
    assert sets[0].count == 5
    assert sets[0].exercise == "bridge"
    for rep in reps:
        assert 18.0 < rep.rom_deg < 30.0
        assert 1.0 < rep.top_hold_s < 3.0  # 2 s held at the top
        assert rep.t_start < rep.t


def test_a_partial_rep_is_not_counted() -> None:
    keys = lie_down(0.0) + bridges(7.0, [25.0, 24.0, 8.0, 26.0])
    reps = of_type(run([session(keys)]), RepEvent)
    assert len(reps) == 3


def test_set_ends_after_a_pause_and_a_new_set_starts() -> None:
    first = bridges(7.0, [25.0, 25.0])
    t_after = first[-1].t_s
    pause = [first[-1].__class__(t_after + 15.0, -90.0, 0.0, 0.12)]
    keys = lie_down(0.0) + first + pause + bridges(t_after + 15.0, [25.0, 25.0, 25.0])
    events = run([session(keys)])
    sets = [e for e in of_type(events, SetEndedEvent) if isinstance(e, SetEndedEvent)]
    assert [s.count for s in sets] == [2, 3]
    reps = [e for e in of_type(events, RepEvent) if isinstance(e, RepEvent)]
    assert [r.index for r in reps] == [1, 2, 1, 2, 3]


def test_lying_down_and_resting_give_no_rep() -> None:
    events = run([session([*lie_down(0.0), lie_down(0.0)[-1].__class__(20.0, -90.0, 0, 0.12)])])
    assert not of_type(events, RepEvent)
    assert not of_type(events, HoldStartedEvent)


def test_told_exercise_names_the_reps_and_times_prescribed_holds() -> None:
    keys = lie_down(0.0) + bridges(7.0, [8.0, 8.0, 8.0], hold_s=3.0)
    events = run([session(keys)], exercise="pelvic_tilt")
    reps = of_type(events, RepEvent)
    assert [r.exercise for r in reps if isinstance(r, RepEvent)] == ["pelvic_tilt"] * 3
    ended = of_type(events, HoldEndedEvent)
    assert len(ended) == 3
    for hold in ended:
        assert hold.exercise == "pelvic_tilt"
        assert abs(hold.duration_s - 3.0) < 0.5


def test_without_context_a_small_extension_is_a_pelvic_tilt_and_no_hold() -> None:
    keys = lie_down(0.0) + bridges(7.0, [8.0, 8.0, 8.0], hold_s=3.0)
    events = run([session(keys)])
    assert {r.exercise for r in of_type(events, RepEvent) if isinstance(r, RepEvent)} == {
        "pelvic_tilt"
    }
    assert not of_type(events, HoldStartedEvent)


def test_sit_ups_are_counted_and_flagged() -> None:
    keys = lie_down(0.0)
    t = 7.0
    for _ in range(4):
        keys += [
            Key(t + 1.3, -30.0, 0.0, 0.3),
            Key(t + 1.6, -30.0, 0.0, 0.3),
            Key(t + 3.1, -90.0, 0.0, 0.12),
            Key(t + 4.6, -90.0, 0.0, 0.12),
        ]
        t += 4.6
    events = run([session(keys)])
    reps = of_type(events, RepEvent)
    assert [r.index for r in reps] == [1, 2, 3, 4]
    assert {r.exercise for r in reps} == {"sit_up"}
    assert all(r.flagged for r in reps)
    assert [s.count for s in of_type(events, SetEndedEvent)] == [4]


def test_a_rep_is_never_invented_across_a_gap() -> None:
    keys = lie_down(0.0) + bridges(7.0, [25.0] * 5)
    batch = session(keys)
    # In the middle of the third bridge's top hold (each bridge takes 6.8 s).
    cut = int((SHIFT_S + 7.0 + 2 * 6.8 + 2.5) * RATE_HZ)
    first, second = split(batch, [cut])
    pipeline = Pipeline("s", "session")
    events = pipeline.update(first)
    events += pipeline.on_disconnect(float(first.t_host_s[-1]) + 0.05, "test")
    gap_sets = of_type(events, SetEndedEvent)
    assert [s.count for s in gap_sets] == [2]
    later = pipeline.update(second) + pipeline.finish()
    reps = of_type(later, RepEvent)
    # The lowering of the interrupted bridge is not a rep; the last two are a new set.
    assert [r.index for r in reps] == [1, 2]
    assert all(r.t_start > float(first.t_host_s[-1]) for r in reps)
    assert [s.count for s in of_type(later, SetEndedEvent)] == [2]


def test_one_lone_excursion_is_a_rep_only_when_the_exercise_is_known() -> None:
    keys = lie_down(0.0) + bridges(7.0, [25.0])
    assert not of_type(run([session(keys)]), RepEvent)
    events = run([session(keys)], exercise="bridge")
    assert [r.index for r in of_type(events, RepEvent)] == [1]
    assert [s.count for s in of_type(events, SetEndedEvent)] == [1]


def test_smaller_movements_after_a_set_start_a_new_set() -> None:
    keys = lie_down(0.0) + bridges(7.0, [25.0, 24.0, 26.0])
    keys += bridges(keys[-1].t_s, [8.0, 8.0, 8.0, 8.0], hold_s=3.0)
    events = run([session(keys)])
    sets = of_type(events, SetEndedEvent)
    assert [(s.exercise, s.count) for s in sets] == [("bridge", 3), ("pelvic_tilt", 4)]


def _standing_bends(t0: float, depths_deg: list[float], rest_s: float = 2.5) -> list[Key]:
    """Forward bends from standing: down 1.4 s, 0.6 s at the bottom, up 1.4 s, rest."""
    keys = [Key(t0)]
    t = t0
    for depth in depths_deg:
        keys += [Key(t + 1.4, depth), Key(t + 2.0, depth), Key(t + 3.4), Key(t + 3.4 + rest_s)]
        t += 3.4 + rest_s
    return keys


def test_bends_that_deepen_into_toe_touches_are_one_set() -> None:
    # A forward bend and a toe touch are one movement named by depth: a person warming up
    # who goes deeper with each bend did three reps, and the first one counts too.
    events = run([session(_standing_bends(0.0, [55.0, 73.0, 88.0]))])
    reps = of_type(events, RepEvent)
    assert [r.index for r in reps] == [1, 2, 3]
    assert all(r.flagged for r in reps)
    assert [s.count for s in of_type(events, SetEndedEvent)] == [3]


def test_a_lone_bend_between_other_movements_is_no_rep() -> None:
    # Without the exercise one bend is no rhythm; a bridge set later does not confirm it.
    keys = [*_standing_bends(0.0, [60.0]), Key(8.0)]
    keys += [Key(k.t_s + 8.0, k.flexion_deg, k.lateral_deg, k.height_m) for k in lie_down(0.0)]
    keys += bridges(keys[-1].t_s, [25.0, 24.0, 26.0])
    events = run([session(keys)])
    assert {r.exercise for r in of_type(events, RepEvent)} == {"bridge"}
    assert [s.count for s in of_type(events, SetEndedEvent)] == [3]


def _bends_then_lie_down() -> list[Key]:
    keys = _standing_bends(0.0, [60.0, 62.0, 58.0])
    t = keys[-1].t_s
    return [
        *keys,
        Key(t + 0.9, 40.0, 0.0, 0.9),
        Key(t + 1.6, -10.0, 0.0, 0.6),
        Key(t + 2.4, -25.0, 0.0, 0.35),
        Key(t + 3.6, -90.0, 0.0, 0.12),
        Key(t + 12.0, -90.0, 0.0, 0.12),
    ]


def test_leaning_forward_to_lie_down_after_bends_is_no_rep() -> None:
    # Getting down to the floor starts with a forward lean past 30 deg; the body goes on
    # through upright into sitting and lying, never back at its standing rest: no rep.
    events = run([session(_bends_then_lie_down())])
    assert [r.index for r in of_type(events, RepEvent)] == [1, 2, 3]
    assert [s.count for s in of_type(events, SetEndedEvent)] == [3]
    # The same lean from standing that comes back to standing is a rep.
    keys = _standing_bends(0.0, [60.0, 62.0, 58.0, 40.0])
    assert len(of_type(run([session(keys)]), RepEvent)) == 4


def test_judging_a_rep_back_at_rest_does_not_depend_on_the_chunking() -> None:
    batch = session(_bends_then_lie_down(), seed=3)
    kinds = (RepEvent, SetEndedEvent)
    whole = [e for e in run([batch]) if isinstance(e, kinds)]
    for cuts in (list(range(1, len(batch))), list(range(7, len(batch), 13))):
        pieces = [e for e in run(split(batch, cuts)) if isinstance(e, kinds)]
        assert [e.model_dump(exclude={"seq", "id"}) for e in pieces] == [
            e.model_dump(exclude={"seq", "id"}) for e in whole
        ]
