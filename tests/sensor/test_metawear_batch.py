"""MetaWear runs decoded at once (``feed_many``) give exactly what one by one gives.

Accelerometer and gyro arrive in separate packets and are paired across them, so the batch
path must pair the same samples, hand each out with the same packet, cut batches at the same
places and leave the same samples waiting, through garbage, cut packets, lost packets, replies
and a gyro stream that stops and comes back.
"""

from __future__ import annotations

import numpy as np
import pytest

from firmware_protocol import metawear
from firmware_protocol.registry import PROFILES
from firmware_protocol.samples import Packet, SampleBatch
from sensor.decode_loop import DecodeLoop
from sensor.source import LinkStatus, SourceItem

CHIP = metawear.BMI160


def _packed(rng: np.random.Generator, module: int, register: int, count: int) -> bytes:
    values = rng.integers(-20000, 20000, size=(count, 3), dtype=np.int16).astype("<i2")
    return bytes([module, register]) + values.tobytes()


def _stream(seed: int, n: int = 600) -> list[bytes]:
    """A board's notifications with everything that can go wrong in them."""
    rng = np.random.default_rng(seed)
    out: list[bytes] = []
    gyro_dead = 0
    for _ in range(n):
        r = rng.random()
        if gyro_dead:
            gyro_dead -= 1
            out.append(_packed(rng, metawear.MODULE_ACC, CHIP.acc_packed_register, 3))
            continue
        if r < 0.02:
            gyro_dead = int(rng.integers(5, 20))  # long enough to pass acc unpaired, or not
        elif r < 0.04:
            out.append(bytes(rng.integers(0, 256, size=int(rng.integers(0, 24)), dtype=np.uint8)))
        elif r < 0.06:  # cut short
            out.append(_packed(rng, metawear.MODULE_GYRO, CHIP.gyro_packed_register, 3)[:-3])
        elif r < 0.07:
            out.append(metawear.encode_battery(80, 4000))
        elif r < 0.08:
            out.append(metawear.encode_module_info(metawear.MODULE_ACC, 1, 0))
        elif r < 0.10:  # lost: the acc packet only, or the gyro packet only
            module = metawear.MODULE_ACC if rng.random() < 0.5 else metawear.MODULE_GYRO
            reg = CHIP.acc_packed_register if module == metawear.MODULE_ACC else None
            out.append(_packed(rng, module, reg or CHIP.gyro_packed_register, 3))
        elif r < 0.13:  # single samples
            out.append(_packed(rng, metawear.MODULE_ACC, metawear.REG_ACC_DATA, 1))
            out.append(_packed(rng, metawear.MODULE_GYRO, CHIP.gyro_data_register, 1))
        else:
            out.append(_packed(rng, metawear.MODULE_ACC, CHIP.acc_packed_register, 3))
            out.append(_packed(rng, metawear.MODULE_GYRO, CHIP.gyro_packed_register, 3))
    return out


def _run(
    payloads: list[bytes], groups: list[int], per_batch: int | None, profile_model: str
) -> list[SourceItem]:
    profile = PROFILES[profile_model]
    uuid = profile.notify_uuids[0]
    loop = DecodeLoop("back", profile, 100.0, packets_per_batch=per_batch)
    packets = [Packet(0.01 * i, uuid, p) for i, p in enumerate(payloads)]
    out: list[SourceItem] = []
    i = 0
    for size in groups:
        out += loop.packets(packets[i : i + size])
        i += size
    out += loop.packets(packets[i:])
    return out + loop.flush()


def _same(a: list[SourceItem], b: list[SourceItem]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, LinkStatus):
            assert x == y
            continue
        assert isinstance(x, SampleBatch)
        assert isinstance(y, SampleBatch)
        assert (x.gap_before, x.nominal_rate_hz, x.sensor) == (
            y.gap_before,
            y.nominal_rate_hz,
            y.sensor,
        )
        np.testing.assert_array_equal(x.t_host_s, y.t_host_s)
        np.testing.assert_array_equal(x.acc_mps2, y.acc_mps2)
        assert (x.gyro_dps is None) == (y.gyro_dps is None)
        if x.gyro_dps is not None:
            np.testing.assert_array_equal(x.gyro_dps, y.gyro_dps)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("per_batch", [None, 1, 7, 256])
@pytest.mark.parametrize("model", ["metawear-bmi160", "metawear-bmi270"])
def test_batch_decoding_equals_one_by_one_through_damage(
    seed: int, per_batch: int | None, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    payloads = _stream(seed)
    if model == "metawear-bmi270":  # its own registers: rewrite the packed ones
        chip = metawear.BMI270
        payloads = [
            bytes([p[0], chip.acc_packed_register]) + p[2:]
            if p[:2] == bytes([metawear.MODULE_ACC, CHIP.acc_packed_register])
            else bytes([p[0], chip.gyro_packed_register]) + p[2:]
            if p[:2] == bytes([metawear.MODULE_GYRO, CHIP.gyro_packed_register])
            else p
            for p in payloads
        ]
    rng = np.random.default_rng(100 + seed)
    groups = rng.integers(1, 40, size=200).tolist()
    batched = _run(payloads, groups, per_batch, model)
    calls: list[int] = []
    original = metawear.MetaWearDecoder.feed_many

    def counted(self: metawear.MetaWearDecoder, run: list[bytes]) -> object:
        result = original(self, run)
        calls.append(0 if result is None else len(run))
        return result

    monkeypatch.setattr(metawear.MetaWearDecoder, "feed_many", counted)
    _run(payloads, groups, per_batch, model)
    assert sum(calls) > len(payloads) // 10  # the batch path really ran (runs of clean packets)
    monkeypatch.setattr(metawear.MetaWearDecoder, "feed_many", lambda self, run: None)
    one_by_one = _run(payloads, groups, per_batch, model)
    _same(batched, one_by_one)
    assert any(isinstance(i, LinkStatus) and i.kind == "decode_errors" for i in one_by_one)


def test_accelerometer_only_boards_batch_too(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = metawear.MetaWearDecoder(settings=metawear.MetaWearSettings(with_gyro=False))
    rng = np.random.default_rng(7)
    payloads = [_packed(rng, metawear.MODULE_ACC, CHIP.acc_packed_register, 3) for _ in range(9)]
    run = decoder.feed_many(payloads)
    assert run is not None
    assert run.per_payload.tolist() == [3] * 9
    one = metawear.MetaWearDecoder(settings=metawear.MetaWearSettings(with_gyro=False))
    np.testing.assert_array_equal(
        run.samples.acc_mps2, np.vstack([one.feed(p).samples.acc_mps2 for p in payloads])
    )
    assert run.samples.gyro_dps is None
