"""The one decode loop: raw recordings of every family, damaged streams, batch-cut invariance.

The live BLE source and the replay hand their packets to the same ``DecodeLoop``; the live
source hands them out as they arrived (any grouping), the replay in runs of up to 256. So the
events must not depend on the grouping: these tests replay the same packets cut every way and
compare the whole event streams, ids included.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from dsp.events import Event
from firmware_protocol import holdfast_stream, metawear, witmotion
from firmware_protocol.registry import PROFILES
from firmware_protocol.samples import Packet
from sensor.decode_loop import DecodeLoop
from sensor.recording import Marker
from sensor.replay import Recording
from sensor.simulator.output import encodable_devices, write_raw
from sensor.simulator.script import load_script
from sensor.simulator.session import SimulationSettings, simulate
from sensor.source import LinkStatus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for raw_builders
from raw_builders import RATE_HZ, holdfast_stream_recording, polar_recording, still, write_raw_items

from service.chain import events_from_items, pipeline_for


def _simulated(path: Path, device: str) -> Path:
    sim = simulate(load_script("forward_bend"), SimulationSettings(seed=3))
    write_raw(sim, path, device)
    return path


def _events(path: Path, packets_per_batch: int = 256) -> list[Event]:
    recording = Recording(path)
    return list(events_from_items(pipeline_for(recording), recording.items(packets_per_batch)))


def _recording_of(model: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{model}.jsonl"
    if model == holdfast_stream.MODEL:
        return holdfast_stream_recording(path, damaged=False)
    if model.startswith("polar"):
        return polar_recording(path)
    return _simulated(path, model)


@pytest.mark.parametrize("model", sorted(PROFILES))
def test_a_raw_recording_of_every_family_replays_in_seconds_since_session_start(
    model: str, tmp_path: Path
) -> None:
    events = _events(_recording_of(model, tmp_path))
    assert events
    times = [e.t for e in events]
    assert min(times) >= 0.0
    assert max(times) < 120.0  # not device uptime (hours) nor a date (decades) in seconds
    assert {"calibrated"} <= {e.type for e in events}


def test_every_family_can_be_recorded_or_simulated() -> None:
    # The families the simulator speaks come from their profiles' encoders, nothing else.
    assert set(encodable_devices()) == {m for m, p in PROFILES.items() if p.encoder is not None}
    assert {"witmotion", "microbit", "thingy52", *(p.model for p in metawear.PROFILES)} <= set(
        encodable_devices()
    )


@pytest.mark.parametrize("cut", [1, 3, 17, 256])
def test_damaged_device_stream_gives_the_same_events_however_it_is_cut(
    cut: int, tmp_path: Path
) -> None:
    path = holdfast_stream_recording(tmp_path / "damaged.jsonl", damaged=True)
    whole = [e.model_dump_json() for e in _events(path)]
    assert [e.model_dump_json() for e in _events(path, cut)] == whole
    statuses = [json.loads(e) for e in whole if '"sensor_status"' in e]
    kinds = [s["status"] for s in statuses]
    assert "decode_errors" in kinds
    lost = [s for s in statuses if s["status"] == "data_lost"]
    assert [s["lost_count"] for s in lost] == [3, 1, None]  # lost, duplicate, restart
    assert "gap" in kinds  # the loss and the restart each start a new segment
    assert max(json.loads(e)["t"] for e in whole) < 20.0


def test_garbage_in_a_witmotion_stream_is_reported_where_it_came(tmp_path: Path) -> None:
    sim_path = _simulated(tmp_path / "clean.jsonl", "witmotion")
    items: list[Packet | Marker] = []
    for i, item in enumerate(Recording(sim_path)._raw or []):
        items.append(item)
        if i in (500, 501, 900) and isinstance(item, Packet):
            items.append(Packet(item.t_s, item.char_uuid, b"\x01\x02garbage!"))
        if i == 700 and isinstance(item, Packet):
            battery = witmotion.encode_register_reply(witmotion.REG_BATTERY, [395])
            items.append(Packet(item.t_s, item.char_uuid, battery))
    path = write_raw_items(tmp_path / "garbage.jsonl", "witmotion", items)
    whole = [e.model_dump_json() for e in _events(path)]
    for cut in (1, 2, 50):
        assert [e.model_dump_json() for e in _events(path, cut)] == whole
    statuses = [json.loads(e) for e in whole if '"sensor_status"' in e]
    assert [s["malformed_total"] for s in statuses if s["status"] == "decode_errors"] == [1, 2, 3]
    assert [s["battery_pct"] for s in statuses if s["status"] == "battery"] == [
        witmotion.battery_percent(3.95)
    ]


def test_status_items_sit_between_the_batches_of_their_place() -> None:
    profile = PROFILES["witmotion"]
    loop = DecodeLoop("back", profile, RATE_HZ, packets_per_batch=256)
    frames = witmotion.encode_samples(still(6), np.zeros((6, 3)))
    packets = [
        Packet(0.02 * i, witmotion.NOTIFY_UUID, frames[20 * i : 20 * i + 20]) for i in range(6)
    ]
    bad = Packet(0.07, witmotion.NOTIFY_UUID, b"\x00\x01\x02")
    out = loop.packets([*packets[:3], bad, *packets[3:]]) + loop.flush()
    kinds = [("status", o.kind) if isinstance(o, LinkStatus) else ("batch", len(o)) for o in out]
    assert kinds == [("batch", 3), ("status", "decode_errors"), ("batch", 3)]


def test_feed_many_decodes_like_one_by_one() -> None:
    for model, profile in sorted(PROFILES.items()):
        if profile.encoder is None or profile.encoder.samples_per_notification != 1:
            continue
        gyro = np.full((40, 3), 12.5) if profile.has_gyro else None
        payloads = profile.encoder.encode(still(40, 2), gyro, np.zeros((40, 3)))
        run = profile.make_decoder().feed_many(payloads)
        one = profile.make_decoder()
        singles = [one.feed(p).samples for p in payloads]
        assert run is not None, model
        np.testing.assert_array_equal(
            run.samples.acc_mps2, np.vstack([s.acc_mps2 for s in singles])
        )
        if profile.has_gyro:
            assert run.samples.gyro_dps is not None
            np.testing.assert_array_equal(
                run.samples.gyro_dps,
                np.vstack([s.gyro_dps for s in singles]),  # type: ignore[misc]
            )
        assert run.per_payload.tolist() == [len(s) for s in singles]
        # Anything unusual in the run (a cut payload) takes the one-by-one path.
        assert profile.make_decoder().feed_many([*payloads[:3], payloads[3][:-1]]) is None
