"""Small vector helpers for arrays of 3-vectors (rows), without numpy's per-call overhead.

``np.cross`` moves axes and validates shapes on every call, which costs more than the
arithmetic for the few samples of a live chunk; the stages call these per chunk.
"""

from __future__ import annotations

import numpy as np

from firmware_protocol.samples import FloatArray


def cross_rows(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product of matching rows of ``a`` and ``b`` (either may be a single 3-vector).

    The same operations in the same order as ``np.cross``, so results are bit-identical.
    """
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack((a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0), axis=-1)
