"""Regenerate the foundation's small hand-made WitMotion recordings (deterministic).

    .venv/bin/python recordings/make_basic.py

Uses the tiny keyframe generator in tests/synth.py; the full simulator replaces these.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from synth import Key, simulate, standing_then, write_witmotion  # noqa: E402

RATE_HZ = 50.0


def main() -> None:
    sessions = {
        # 20 s of quiet standing, sensor upright with +y to the head and -z to the belly.
        "basic_standing_still": ([Key(0), Key(20)], ("+y", "-z"), False),
        # Calibration, then three forward bends to 60, 75 and 90 deg.
        "basic_forward_bends": (
            standing_then(
                [
                    Key(0),
                    Key(1.5, 60),
                    Key(3.0),
                    Key(5.0),
                    Key(6.5, 75),
                    Key(8.0),
                    Key(10.0),
                    Key(11.5, 90),
                    Key(12.5, 90),
                    Key(14.0),
                    Key(17.0),
                ]
            ),
            ("+y", "-z"),
            False,
        ),
        # Calibration, lying down on the back and resting there.
        "basic_lying_supine": (
            standing_then(
                [
                    Key(0),
                    Key(2.5, 0, 0, 0.6),
                    Key(4.5, -90, 0, 0.12),
                    Key(20, -90, 0, 0.12),
                ]
            ),
            ("+x", "+z"),
            False,
        ),
    }
    for name, (keys, mounting, _) in sessions.items():
        motion = simulate(keys, RATE_HZ, mounting, noise_acc_mps2=0.05, noise_gyro_dps=0.5, seed=7)
        extra = {"sensor": "back", "session_id": name}
        if name == "basic_standing_still":
            extra["mounting"] = {"up": mounting[0], "forward": mounting[1]}
        write_witmotion(str(HERE / f"{name}.jsonl"), motion, RATE_HZ, seed=7, header_extra=extra)


if __name__ == "__main__":
    main()
