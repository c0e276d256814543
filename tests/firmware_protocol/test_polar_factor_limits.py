"""Issue 14 finding 10: a NaN or infinite FACTOR in a Polar start reply must not poison the
stream. The reply is refused (counted as malformed) and the samples keep the last good factor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_protocol import polar_pmd
from firmware_protocol import polar_pmd_control as cp
from firmware_protocol.errors import MalformedError

MG = 9.80665 / 1000
FRAME = bytes.fromhex("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06 01 7B 0F 08")


@pytest.mark.parametrize("factor", [math.nan, math.inf, -math.inf, 0.0, -0.5])
def test_finding10_bad_factor_is_refused_and_samples_stay_finite(factor: float) -> None:
    decoder = polar_pmd.PolarPmdDecoder()
    decoder.feed(cp.encode_cp_response(cp.OP_START, cp.MEAS_ACC, settings={cp.SET_FACTOR: (0.5,)}))
    bad = cp.encode_cp_response(cp.OP_START, cp.MEAS_ACC, settings={cp.SET_FACTOR: (factor,)})
    with pytest.raises(MalformedError, match="FACTOR"):
        cp.decode_cp_response(bad)
    result = decoder.feed(bad)
    assert result.malformed == 1
    samples = decoder.feed(FRAME).samples.acc_mps2
    assert np.isfinite(samples).all()
    np.testing.assert_allclose(samples, np.array([[-15, 20, 1008], [-20, 17, 1008]]) * 0.5 * MG)
