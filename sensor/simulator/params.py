"""Parameters of one script step, checked against the activity's documented defaults."""

from __future__ import annotations

from collections.abc import Mapping

from firmware_protocol.errors import ConfigError

#: Keys every step may carry besides its activity's own.
COMMON_KEYS = (
    "activity", "note", "sets", "set_rest_s", "set_rest_fidget", "disconnect_after_s",
    "disconnect_s",
)  # fmt: skip

Value = float | int | str | bool


class Params:
    """A step's values over its activity's defaults; unknown keys are a :class:`ConfigError`."""

    def __init__(self, activity: str, defaults: Mapping[str, Value], given: Mapping[str, object]):
        self.activity = activity
        unknown = sorted(set(given) - set(defaults) - set(COMMON_KEYS))
        if unknown:
            raise ConfigError(
                f"step {activity!r}",
                f"unknown key(s) {', '.join(unknown)}",
                sorted(set(defaults) | set(COMMON_KEYS)),
            )
        self._values: dict[str, object] = {**defaults, **given}

    def num(self, key: str, default: float | None = None) -> float:
        value = self._values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"step {self.activity!r}: {key}", f"must be a number, got {value!r}")
        return float(value)

    def int(self, key: str, default: int | None = None) -> int:
        value = self.num(key, default)
        if value != int(value) or value < 0:
            raise ConfigError(f"step {self.activity!r}: {key}", "must be a whole number >= 0")
        return int(value)

    def text(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self._values.get(key)
        if value not in allowed:
            raise ConfigError(f"step {self.activity!r}: {key}", f"got {value!r}", allowed)
        return str(value)

    def sides(self) -> list[str]:
        """``side`` = left | right | both (both: right first, as the articles do)."""
        side = self.text("side", ("left", "right", "both"))
        return ["right", "left"] if side == "both" else [side]
