"""What the detectors see of a chunk: per-sample arrays once the mounting is known."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.events import Posture
from dsp.flexion import POSTURE_BASELINE_DEG, FlexionEpisode
from dsp.posture import PostureChange
from firmware_protocol.samples import FloatArray

#: Posture codes used in :attr:`Frame.posture_code` (index into this tuple).
POSTURES: tuple[Posture, ...] = (
    "unknown",
    "upright",
    "supine",
    "prone",
    "side_left",
    "side_right",
    "quadruped",
)
POSTURE_CODE: dict[Posture, int] = {p: i for i, p in enumerate(POSTURES)}
#: Flexion baseline per posture code (NaN: no forward-flexion measure in that posture).
BASELINE_BY_CODE = np.array([POSTURE_BASELINE_DEG.get(p, np.nan) for p in POSTURES])


@dataclass(frozen=True, slots=True)
class Frame:
    """A run of consecutive samples (no gap inside) with everything the chain derived.

    ``offset``: index of the first sample within the pipeline's current batch (events are
    returned with batch indices so the pipeline can order them). ``u_body``: world-up in body
    axes (x forward, y left, z up). ``posture_code``: posture per sample as decided so far
    (codes index :data:`POSTURES`).
    ``heights_m``: lumbar height estimate (NaN when unknown). ``episodes``: flexion episodes
    decided in this frame (``index`` relative to the frame). ``acc_mps2``: specific force in
    the sensor frame (for tremor power).
    """

    offset: int
    t_s: FloatArray
    u_body: FloatArray
    flexion_deg: FloatArray
    lateral_deg: FloatArray
    still: np.ndarray
    posture_code: np.ndarray
    heights_m: FloatArray
    acc_mps2: FloatArray
    episodes: tuple[FlexionEpisode, ...]
    #: The episodes are the bend auto-calibration asked for: reported and summed, but never
    #: counted toward a repeated-flexion warning (we told the person to do it).
    calibration_bend: bool = False

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    def baseline_deg(self) -> FloatArray:
        """Flexion baseline of each sample's posture (NaN where none applies)."""
        return np.asarray(BASELINE_BY_CODE[self.posture_code], dtype=np.float64)


def posture_codes(n: int, before: Posture, changes: list[PostureChange]) -> np.ndarray:
    """Posture code per sample of a chunk of ``n`` that began in ``before``."""
    codes = np.full(n, POSTURE_CODE[before], dtype=np.int8)
    for change in changes:
        codes[change.index :] = POSTURE_CODE[change.posture]
    return codes


def posture_baselines(n: int, before: Posture, changes: list[PostureChange]) -> FloatArray:
    """Flexion baseline per sample (NaN where the posture has none)."""
    base = np.full(n, POSTURE_BASELINE_DEG.get(before, np.nan))
    for change in changes:
        base[change.index :] = POSTURE_BASELINE_DEG.get(change.posture, np.nan)
    return base
