"""The registry of supported device families, keyed by model id.

Adding a device: write ``firmware_protocol/<device>.py`` with a ``PROFILE`` and list it here.
"""

from __future__ import annotations

from firmware_protocol import holdfast_stream, metawear, microbit, polar_pmd, thingy52, witmotion
from firmware_protocol.errors import ConfigError
from firmware_protocol.profile import DeviceProfile

PROFILES: dict[str, DeviceProfile] = {
    p.model: p
    for p in (
        witmotion.PROFILE,
        microbit.PROFILE,
        thingy52.PROFILE,
        *metawear.PROFILES,
        *polar_pmd.PROFILES,
        holdfast_stream.PROFILE,
    )
}


SIMULATED_MODEL = witmotion.MODEL
"""The family the simulator speaks when none is named (``serve --simulate``, the demo)."""


def profile_for(model: str) -> DeviceProfile:
    """The profile of ``model``; a ``ConfigError`` listing the known models otherwise."""
    try:
        return PROFILES[model]
    except KeyError:
        raise ConfigError("device model", f"unknown model {model!r}", sorted(PROFILES)) from None


def profile_for_name(name: str | None) -> DeviceProfile | None:
    """The first profile whose advertised-name pattern matches, or ``None``."""
    for profile in PROFILES.values():
        if profile.matches_name(name):
            return profile
    return None
