"""Recursive (IIR) filtering of ``(n, channels)`` arrays along time, with carried state.

Every filter in the chain's front end (the gravity low-pass, the fusion passes, the motion
smoothers) is ``scipy.signal.lfilter`` on a few samples per call when live. ``lfilter``'s
Python wrapper (array-API dispatch, validation, shape checks) costs about three times its
C kernel for a 5-sample chunk, and the chain makes seven such calls per update. So we call
the kernel lfilter itself calls, ``scipy.signal._sigtools._linear_filter``, with the
arguments lfilter would pass it (so the numbers are the same, bit for bit), and fall back
to ``lfilter`` if a SciPy release moves it (``tests/dsp/test_iir.py`` checks both agree).
"""

from __future__ import annotations

from typing import Any

from scipy import signal

from firmware_protocol.samples import FloatArray


def _find_kernel() -> Any:
    try:
        from scipy.signal import _sigtools
    except ImportError:  # pragma: no cover - depends on the SciPy release
        return None
    return getattr(_sigtools, "_linear_filter", None)


_kernel: Any = _find_kernel()


def lfilter_state(
    b: FloatArray, a: FloatArray, x: FloatArray, zi: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``lfilter(b, a, x, axis=0, zi=zi)`` for float64 ``x`` of shape ``(n, channels)`` and
    ``zi`` of shape ``(max(len(a), len(b)) - 1, channels)``; ``a[0]`` must be 1 and
    ``len(a) > 1`` (a recursive filter)."""
    if _kernel is not None:
        y, zf = _kernel(b, a, x, 0, zi)
    else:
        y, zf = signal.lfilter(b, a, x, axis=0, zi=zi)
    return y, zf
