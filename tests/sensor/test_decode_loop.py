"""The one decode loop: raw recordings of every family, damaged streams, batch-cut invariance.

The live BLE source and the replay hand their packets to the same ``DecodeLoop``; the live
source hands them out as they arrived (any grouping), the replay in runs of up to 256. So the
events must not depend on the grouping: these tests replay the same packets cut every way and
compare the whole event streams, ids included.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from dsp.events import Event
from firmware_protocol import holdfast_stream, metawear, polar_pmd, witmotion
from firmware_protocol.registry import PROFILES
from firmware_protocol.samples import Packet
from sensor.decode_loop import DecodeLoop
from sensor.recording import Marker, RawHeader, RawRecordingWriter
from sensor.replay import Recording
from sensor.simulator.output import encodable_devices, write_raw
from sensor.simulator.script import load_script
from sensor.simulator.session import SimulationSettings, simulate
from sensor.source import LinkStatus
from service.chain import events_from_items, pipeline_for

G = 9.80665
RATE_HZ = 50.0


def _still(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([0.0, 0.0, G]) + rng.normal(0, 0.02, (n, 3))


def _write(path: Path, device: str, items: list[Packet | Marker]) -> Path:
    header = RawHeader(
        device=device,
        nominal_rate_hz=RATE_HZ,
        start_utc=datetime(2026, 12, 1, tzinfo=UTC),
        sensor="back",
        session_id=f"test/{device}",
    )
    with RawRecordingWriter(path, header) as w:
        for item in items:
            if isinstance(item, Packet):
                w.write_packet(item)
            else:
                w.write_marker(item)
    return path


def _holdfast_stream(path: Path, *, damaged: bool) -> Path:
    """Packets of 5 samples with a device clock far from zero (and sequence faults)."""
    items: list[Packet | Marker] = [Marker(0.0, "connect", "test")]
    clock_us = 3_000_000_000  # ~50 minutes into the device's uptime
    acc = _still(600)
    seq = 7
    for k in range(120):
        t_host = 0.1 * (k + 1) + 0.003
        payload = holdfast_stream.encode_packet(
            seq, clock_us + k * 100_000, RATE_HZ, acc[5 * k : 5 * k + 5], np.zeros((5, 3))
        )
        seq += 1
        if damaged and k == 30:
            seq += 3  # three packets lost
        if damaged and k == 50:
            items.append(Packet(t_host, holdfast_stream.DATA_UUID, payload))  # duplicate
        if damaged and k == 60:
            items.append(Packet(t_host, holdfast_stream.DATA_UUID, b"\x00garbage"))
        if damaged and k == 80:
            seq = 0  # the device restarted its counter
        items.append(Packet(t_host, holdfast_stream.DATA_UUID, payload))
    return _write(path, holdfast_stream.MODEL, items)


def _polar(path: Path) -> Path:
    """Raw frames of 10 samples stamped with a device clock in nanoseconds since 2000."""
    items: list[Packet | Marker] = [Marker(0.0, "connect", "test")]
    t0_ns = 753_315_200 * 10**9
    acc = _still(1000, 1)
    profile = polar_pmd.PROFILE_H10
    for k in range(100):
        last_ns = t0_ns + ((k + 1) * 10 - 1) * 20_000_000
        frame = polar_pmd.encode_raw_frame(acc[10 * k : 10 * k + 10], last_ns)
        items.append(Packet(0.2 * (k + 1) + 0.01, profile.notify_uuids[0], frame))
    return _write(path, profile.model, items)


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
        return _holdfast_stream(path, damaged=False)
    if model.startswith("polar"):
        return _polar(path)
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
    path = _holdfast_stream(tmp_path / "damaged.jsonl", damaged=True)
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
    path = _write(tmp_path / "garbage.jsonl", "witmotion", items)
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
    frames = witmotion.encode_samples(_still(6), np.zeros((6, 3)))
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
        payloads = profile.encoder.encode(_still(40, 2), gyro, np.zeros((40, 3)))
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
