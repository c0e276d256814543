"""The front end's filters compute exactly what scipy's public filters compute."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import signal

from dsp import iir
from dsp.lowpass import LowPass, LowPassSettings, SectionFilter
from dsp.vectors import cross_rows, cross_rows_n3, row_norms

RNG = np.random.default_rng(5)


def test_the_kernel_is_used_and_gives_lfilters_numbers_bit_for_bit() -> None:
    assert iir._kernel is not None  # if SciPy moved it, the fallback is lfilter itself
    x = RNG.normal(size=(37, 3))
    b, a = np.array([0.2]), np.array([1.0, -0.8])
    zi = RNG.normal(size=(1, 3))
    y, zf = iir.lfilter_state(b, a, x, zi)
    y_ref, zf_ref = signal.lfilter(b, a, x, axis=0, zi=zi)
    assert np.array_equal(y, y_ref)
    assert np.array_equal(zf, zf_ref)


def test_without_the_kernel_it_falls_back_to_lfilter(monkeypatch: pytest.MonkeyPatch) -> None:
    x = RNG.normal(size=(9, 2))
    b, a = np.array([0.5, 0.1]), np.array([1.0, -0.3, 0.02])
    zi = RNG.normal(size=(2, 2))
    fast = iir.lfilter_state(b, a, x, zi)
    monkeypatch.setattr(iir, "_kernel", None)
    slow = iir.lfilter_state(b, a, x, zi)
    assert all(np.array_equal(f, s) for f, s in zip(fast, slow, strict=True))


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_lowpass_matches_sosfilt_from_the_steady_state(order: int) -> None:
    settings = LowPassSettings(cutoff_hz=1.5, order=order)
    x = np.cumsum(RNG.normal(size=(500, 3)), axis=0)
    y = LowPass(settings, 100.0).update(x)
    sos = signal.butter(order, 1.5, fs=100.0, output="sos")
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    y_ref, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    # One lfilter per section rounds differently from sosfilt in the last bits only.
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_lowpass_is_the_same_in_any_chunks(order: int) -> None:
    settings = LowPassSettings(cutoff_hz=2.0, order=order)
    x = RNG.normal(size=(300, 3))
    whole = LowPass(settings, 50.0).update(x)
    chunked = LowPass(settings, 50.0)
    cuts = [0, 1, 2, 7, 50, 51, 200, 300]
    parts = [chunked.update(x[lo:hi]) for lo, hi in itertools.pairwise(cuts)]
    assert np.array_equal(np.concatenate(parts), whole)


def test_vector_helpers_give_numpys_numbers() -> None:
    a, b = RNG.normal(size=(11, 3)), RNG.normal(size=(11, 3))
    assert np.array_equal(cross_rows_n3(a, b), np.cross(a, b))
    assert np.array_equal(cross_rows(a, b), np.cross(a, b))
    assert np.array_equal(row_norms(a), np.linalg.norm(a, axis=1))
    assert np.array_equal(row_norms(a, keepdims=True), np.linalg.norm(a, axis=1, keepdims=True))


def test_a_band_pass_in_sections_matches_sosfilt_in_any_chunks() -> None:
    sos = signal.butter(2, [3.0, 12.0], btype="bandpass", fs=100.0, output="sos")
    x = RNG.normal(size=(400, 3))
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    y_ref, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    whole = SectionFilter(sos).update(x)
    np.testing.assert_allclose(whole, y_ref, rtol=1e-12, atol=1e-12)
    chunked = SectionFilter(sos)
    parts = [chunked.update(x[lo:hi]) for lo, hi in itertools.pairwise([0, 3, 4, 99, 400])]
    assert np.array_equal(np.concatenate(parts), whole)
