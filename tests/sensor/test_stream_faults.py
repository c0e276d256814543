"""Stream faults injected into real recordings (issue 14, build item 6): duplicated and
reordered notifications, loss bursts, a host clock jump, a disconnect storm, a rate change.

The faults are made on the raw notification lines of recordings/ (what a BLE stack would
hand over), then replayed through the whole chain. Checked: no phantom bends, reps or holds
(the same counts as the clean file), gaps are reported, and the session runs to its summary.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.samples import SampleBatch
from sensor.replay import Recording
from service.chain import apply_item

ROOT = Path(__file__).resolve().parents[2]
STILL = ROOT / "recordings" / "basic_standing_still.jsonl"
BENDS = ROOT / "recordings" / "basic_forward_bends.jsonl"
COUNTED = ("flexion", "rep", "hold_ended", "hold_started", "flexion_alert")

Fault = Callable[[list[dict[str, object]], random.Random], list[dict[str, object]]]


def _events(path: Path) -> list[dict[str, object]]:
    recording = Recording(path)
    pipeline = Pipeline("back", "s", PipelineSettings(), None)
    out: list[dict[str, object]] = []
    t_last = 0.0
    for item in recording.items():
        out += [e.model_dump() for e in apply_item(pipeline, item) if e.type != "angle"]
        if isinstance(item, SampleBatch):
            t_last = float(item.t_host_s[-1])
    out += [e.model_dump() for e in pipeline.finish(t_last) if e.type != "angle"]
    return out


def _counts(events: list[dict[str, object]]) -> Counter[str]:
    return Counter(str(e["type"]) for e in events if e["type"] in COUNTED)


def _rewrite(src: Path, dst: Path, fault: Fault, seed: int) -> Path:
    header, *lines = src.read_text().splitlines()
    items = [json.loads(line) for line in lines]
    dst.write_text(
        "\n".join([header, *(json.dumps(i) for i in fault(items, random.Random(seed)))]) + "\n"
    )
    return dst


def duplicate(items: list[dict[str, object]], rng: random.Random) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in items:
        out.append(item)
        if rng.random() < 0.05:
            out.append(dict(item))  # the same notification again, same arrival time
    return out


def reorder(items: list[dict[str, object]], rng: random.Random) -> list[dict[str, object]]:
    out = [dict(i) for i in items]
    for k in range(1, len(out) - 1):
        if rng.random() < 0.03:  # two payloads swapped; arrival times stay in order
            out[k]["hex"], out[k + 1]["hex"] = out[k + 1]["hex"], out[k]["hex"]
    return out


def loss_bursts(items: list[dict[str, object]], rng: random.Random) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    skip = 0
    for item in items:
        if skip:
            skip -= 1
            continue
        if rng.random() < 0.01:
            skip = rng.randint(3, 25)  # up to half a second of notifications gone, no marker
        out.append(item)
    return out


def clock_jump(items: list[dict[str, object]], _: random.Random) -> list[dict[str, object]]:
    at = len(items) // 2
    quiet = float(items[at]["t"])  # type: ignore[arg-type]
    return [
        {**i, "t": round(float(i["t"]) + 45.0, 6)} if k >= at else i  # type: ignore[arg-type]
        for k, i in enumerate(items)
    ] if quiet else items  # fmt: skip


def disconnect_storm(items: list[dict[str, object]], rng: random.Random) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in items:
        if rng.random() < 0.02:
            t = item["t"]
            out.append({"t": t, "marker": "disconnect", "detail": "storm"})
            out.append({"t": t, "marker": "connect", "detail": "storm"})
        out.append(item)
    return out


def rate_change(items: list[dict[str, object]], _: random.Random) -> list[dict[str, object]]:
    # From a third of the way on the sensor sends at half the rate the header declares (every
    # other notification, arrival times unchanged): the chain must follow, not invent motion.
    at = len(items) // 3
    return items[:at] + [i for k, i in enumerate(items[at:]) if k % 2 == 0 or "hex" not in i]


FAULTS: dict[str, Fault] = {
    "duplicate": duplicate,
    "reorder": reorder,
    "loss_bursts": loss_bursts,
    "clock_jump": clock_jump,
    "disconnect_storm": disconnect_storm,
    "rate_change": rate_change,
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_standing_still_under_faults_has_no_phantom_movement(tmp_path: Path, name: str) -> None:
    damaged = _rewrite(STILL, tmp_path / f"{name}.jsonl", FAULTS[name], seed=3)
    events = _events(damaged)
    assert _counts(events) == Counter(), [e for e in events if e["type"] in COUNTED][:3]
    assert events[-1]["type"] == "session_summary"


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_bends_under_faults_are_counted_once_and_gaps_reported(tmp_path: Path, name: str) -> None:
    clean = _counts(_events(BENDS))
    assert clean["flexion"] == 4
    damaged = _rewrite(BENDS, tmp_path / f"{name}.jsonl", FAULTS[name], seed=5)
    events = _events(damaged)
    counts = _counts(events)
    assert counts["flexion"] <= clean["flexion"]  # never a phantom bend
    assert counts["rep"] <= clean["rep"]
    assert counts["hold_ended"] == 0
    if name in ("duplicate", "reorder"):
        assert counts == clean  # nothing lost either
    if name in ("clock_jump", "disconnect_storm", "loss_bursts"):
        reported = [e for e in events if e["type"] == "sensor_status"]
        assert reported, "the gap is reported"
    assert events[-1]["type"] == "session_summary"
