"""Device emulators: each speaks one sensor family's GATT layout and wire format."""

from __future__ import annotations

from collections.abc import Callable

from fakebluez.emulators.base import Emulator
from fakebluez.emulators.holdfast import HoldfastEmulator
from fakebluez.emulators.metawear import MetaWearBmi270Emulator, MetaWearEmulator
from fakebluez.emulators.microbit import MicrobitEmulator
from fakebluez.emulators.polar import PolarH10Emulator, PolarVerityEmulator
from fakebluez.emulators.thingy52 import Thingy52Emulator
from fakebluez.emulators.witmotion import WitMotionEmulator
from fakebluez.motion import Motion

EMULATORS: dict[str, Callable[[str, str, Motion | None], Emulator]] = {
    "witmotion": WitMotionEmulator,
    "microbit": MicrobitEmulator,
    "thingy52": Thingy52Emulator,
    "metawear-bmi160": MetaWearEmulator,
    "metawear-bmi270": MetaWearBmi270Emulator,
    "polar-h10": PolarH10Emulator,
    "polar-verity": PolarVerityEmulator,
    "holdfast": HoldfastEmulator,
}


def make_emulator(model: str, address: str, name: str, motion: Motion | None = None) -> Emulator:
    try:
        factory = EMULATORS[model]
    except KeyError:
        raise ValueError(f"no emulator for {model!r} (have {sorted(EMULATORS)})") from None
    return factory(address, name, motion)
