"""Shared test setup: make the small helpers in tests/ (``synth``) importable."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

# Property tests run the same examples every time (CI must not go red by chance); run with
# --hypothesis-seed=RANDOM locally to explore new ones.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("holdfast", derandomize=True, deadline=None)
_hypothesis_settings.load_profile("holdfast")
