"""Device emulators: each speaks one sensor family's GATT layout and wire format."""

from __future__ import annotations

from collections.abc import Callable

from fakebluez.emulators.base import Emulator
from fakebluez.emulators.witmotion import WitMotionEmulator

EMULATORS: dict[str, Callable[[str, str], Emulator]] = {
    "witmotion": WitMotionEmulator,
}


def make_emulator(model: str, address: str, name: str) -> Emulator:
    try:
        factory = EMULATORS[model]
    except KeyError:
        raise ValueError(f"no emulator for {model!r} (have {sorted(EMULATORS)})") from None
    return factory(address, name)
