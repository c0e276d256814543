"""No rep and no hold while walking, sitting down, standing up, lying down or getting up.

Uses the full simulator (gait, transitions with human variability) and the replay chain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsp.events import HoldStartedEvent, RepEvent
from sensor.simulator.output import write_simulation
from sensor.simulator.script import parse_script
from sensor.simulator.session import SimulationSettings, simulate
from service.scoring.run import chain_events, load_truth

SCRIPT = """
[[step]]
activity = "walk"
duration_s = 20

[[step]]
activity = "sit"
count = 2
duration_s = 6

[[step]]
activity = "lie"
posture = "supine"
duration_s = 8

[[step]]
activity = "lie"
posture = "side_left"
duration_s = 10
get_up = "yes"

[[step]]
activity = "walk"
duration_s = 10
turn_deg = 180
"""


@pytest.mark.parametrize("seed", [3, 8])
def test_everyday_movement_is_never_a_rep_or_a_hold(tmp_path: Path, seed: int) -> None:
    sim = simulate(parse_script(SCRIPT), SimulationSettings(seed=seed))
    out = tmp_path / "daily.jsonl"
    truth_path = write_simulation(sim, out, "witmotion")
    events = chain_events(out)
    truth = load_truth(truth_path)
    assert any(a["negative"] for a in truth["activities"])
    assert not [e for e in events if isinstance(e, RepEvent | HoldStartedEvent)]
