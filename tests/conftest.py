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


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_state_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test (and every process it starts) keeps its journal and recordings in a state
    directory of its own: a service started by one test, by another test run on this machine,
    or by the person running the tests must never share, lock or replay them."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
