"""Service configuration: a TOML file, then ``HOLDFAST_*`` environment variables, then flags.

Later sources win: a command-line flag beats an environment variable, which beats the TOML
file, which beats the defaults documented on each field (``docs/config.md`` lists them all).
Environment variables use ``__`` between levels: ``HOLDFAST_BROKER__HOST=mqtt.local``,
``HOLDFAST_PIPELINE__...`` for detector thresholds. A wrong value raises
:class:`~firmware_protocol.errors.ConfigError` naming the field and the allowed values.

The broker password is a :class:`~pydantic.SecretStr`: it prints as ``**********`` in reprs
and logs, and there is no command-line flag for it (flags show up in ``ps`` and shell
history); set it in the TOML file or in ``HOLDFAST_BROKER__PASSWORD``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import socket
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FilePath,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from dsp.pipeline import PipelineSettings
from dsp.routines.settings import RoutineSettings
from firmware_protocol.errors import ConfigError

ENV_PREFIX = "HOLDFAST_"
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"  # the settings file's path, not a setting


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "holdfast"


def default_config_file() -> Path | None:
    """``$HOLDFAST_CONFIG``, else ``$XDG_CONFIG_HOME/holdfast/config.toml`` if it exists."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    candidate = Path(base) / "holdfast" / "config.toml"
    return candidate if candidate.exists() else None


def _flag(value: object) -> object:
    """A switch is a TOML boolean, or (from the environment) the word true/false or 1/0.

    pydantic alone also takes "yes", "on", "y" ...; ``discovery = "yes"`` then looks set on
    purpose while a typo like "flase" is an error: one rule for every switch instead."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not a switch (allowed: true, false)")  # noqa: TRY004 (pydantic wants ValueError)
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]


class _Section(BaseModel):
    # allow_inf_nan=False: "inf" is never a sensible rate, delay or size.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class TlsSettings(_Section):
    """TLS to the broker; on when ``enabled`` or when ``ca_file`` is set."""

    enabled: Flag = Field(default=False, description="use TLS with the system CA store")
    # FilePath: a missing file is a configuration error now, not a reconnect loop later.
    ca_file: FilePath | None = Field(default=None, description="CA certificate (PEM) to trust")
    cert_file: FilePath | None = Field(default=None, description="client certificate (PEM)")
    key_file: FilePath | None = Field(default=None, description="client key (PEM)")
    insecure: Flag = Field(default=False, description="skip the host name check (testing)")

    @property
    def active(self) -> bool:
        return self.enabled or self.ca_file is not None


class BrokerSettings(_Section):
    """Where events go. ``host`` unset: an embedded broker is started on localhost."""

    host: str | None = Field(default=None, description="broker host; unset = embedded broker")
    port: int = Field(default=1883, ge=1, le=65535, description="broker TCP port")
    transport: Literal["tcp", "websockets"] = "tcp"
    tls: TlsSettings = Field(default_factory=TlsSettings)
    username: str | None = None
    password: SecretStr | None = Field(default=None, description="never logged")
    client_id: str = Field(
        default_factory=lambda: f"holdfast-{socket.gethostname()}",
        min_length=1,
        max_length=256,
        pattern=r"^[^\s+#/]+$",
        description="MQTT client id; default holdfast-<hostname>",
    )
    keepalive_s: int = Field(default=15, ge=5, le=3600)
    publish_timeout_s: float = Field(
        default=5.0, gt=0, description="give up on one PUBACK after this long and reconnect"
    )
    reconnect_min_s: float = Field(default=0.5, gt=0, description="first reconnect delay")
    reconnect_max_s: float = Field(default=30.0, gt=0, description="longest reconnect delay")
    auth_retries: int = Field(
        default=3, ge=0, description="retries after a refused login before giving up"
    )

    @model_validator(mode="after")
    def _backoff_bounds_in_order(self) -> BrokerSettings:
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError(
                f"reconnect_min_s={self.reconnect_min_s:g} is larger than "
                f"reconnect_max_s={self.reconnect_max_s:g} (need min <= max)"
            )
        return self


class EmbeddedBrokerSettings(_Section):
    """The amqtt broker started when no broker host is configured."""

    bind: str = Field(default="127.0.0.1", description="listen address (localhost only)")
    tcp_port: int = Field(default=1883, ge=0, le=65535, description="MQTT over TCP")
    ws_port: int = Field(default=9001, ge=0, le=65535, description="MQTT over WebSocket")


class MqttSettings(_Section):
    topic_prefix: str = Field(default="holdfast", description="first topic level")
    event_qos: Literal[0, 1, 2] = Field(default=1, description="QoS of event messages")
    angle_rate_hz: float = Field(default=10.0, gt=0, le=100, description="angle topic rate")
    discovery: Flag = Field(default=True, description="Home Assistant MQTT discovery")
    discovery_prefix: str = "homeassistant"

    @field_validator("topic_prefix", "discovery_prefix")
    @classmethod
    def _no_wildcards(cls, value: str) -> str:
        if (
            not value
            or any(c in value for c in "+#\x00")
            or value.startswith("/")
            or value.endswith("/")
        ):
            raise ValueError("must be a non-empty topic without +, # or a leading/trailing /")
        return value


class JournalSettings(_Section):
    """The outbox: events wait here while the broker is unreachable."""

    directory: Path = Field(default_factory=lambda: _state_dir() / "journal")
    max_memory_messages: int = Field(default=10_000, ge=1)
    max_disk_mb: float = Field(default=256.0, gt=0, description="journal size cap")


class HistorySettings(_Section):
    """The history of sessions (``holdfast history``; docs/history.md)."""

    database: str = Field(
        default_factory=lambda: f"sqlite:///{_state_dir() / 'history.sqlite3'}",
        description="database URL: sqlite:///FILE or postgresql://USER@HOST:PORT/DB; "
        "default a SQLite file in the state directory",
    )
    record: bool = Field(
        default=False,
        description="holdfast serve also runs the history recorder (an MQTT subscriber on "
        "the same broker)",
    )
    client_id: str = Field(
        default_factory=lambda: f"holdfast-history-{socket.gethostname()}",
        description="MQTT client id of the recorder (its persistent session)",
    )


GATEWAY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""A gateway id: one topic level, also a file and client-id part (no /, +, #, spaces)."""


class WebSettings(_Section):
    """The web display ``holdfast serve`` and ``holdfast demo`` start (docs/display.md)."""

    enabled: bool = Field(default=True, description="start the web display with serve/demo")
    bind: str = Field(
        default="127.0.0.1", description="listen address; loopback = this machine only"
    )
    port: int = Field(
        default=8321, ge=0, le=65535, description="HTTP port (busy: any free one; 0 = any)"
    )


class HoldfastSettings(BaseSettings):
    """Everything ``holdfast serve`` can be told (see ``docs/config.md``)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        nested_model_default_partial_update=True,
    )

    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    embedded: EmbeddedBrokerSettings = Field(default_factory=EmbeddedBrokerSettings)
    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    journal: JournalSettings = Field(default_factory=JournalSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    history: HistorySettings = Field(default_factory=HistorySettings)
    routine: RoutineSettings = Field(default_factory=RoutineSettings)
    recordings_dir: Path = Field(
        default_factory=lambda: _state_dir() / "recordings",
        description="where cmd/recording writes event recordings",
    )
    gateway_id: str | None = Field(
        default=None,
        description="this gateway's name when several share a broker: topics become "
        "<prefix>/<gateway>/<sensor>/..., and the default client id and journal directory "
        "get it as a suffix",
    )

    @field_validator("gateway_id")
    @classmethod
    def _gateway_id(cls, value: str | None) -> str | None:
        if value is not None and not GATEWAY_ID.fullmatch(value):
            raise ValueError(
                "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _gateway_defaults(cls, data: Any) -> Any:
        """Two gateways on one machine must not share a client id (the broker would throw
        one off for the other) nor a journal: with a gateway id, their defaults differ."""
        if not isinstance(data, dict):
            return data
        gateway = data.get("gateway_id")
        if not isinstance(gateway, str) or not GATEWAY_ID.fullmatch(gateway):
            return data
        out = dict(data)
        broker = out.get("broker", {})
        if isinstance(broker, dict) and "client_id" not in broker:
            out["broker"] = {**broker, "client_id": f"holdfast-{socket.gethostname()}-{gateway}"}
        journal = out.get("journal", {})
        if isinstance(journal, dict) and "directory" not in journal:
            out["journal"] = {**journal, "directory": _state_dir() / "journal" / gateway}
        return out

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: flags (passed as init values), then the environment, then TOML.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"broker.host": "x"}`` -> ``{"broker": {"host": "x"}}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def load_settings(
    config_file: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> HoldfastSettings:
    """Settings from ``config_file`` (TOML), the environment and ``overrides`` (dotted keys).

    Raises :class:`ConfigError` for a missing or unparsable file and for any invalid value.
    """
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError("config file", f"{config_file} does not exist")
        try:
            tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError("config file", f"{config_file}: {exc}") from exc

    _check_environment(os.environ)

    class _Settings(HoldfastSettings):
        model_config = SettingsConfigDict(toml_file=config_file)

    try:
        settings = _Settings(**_nest(overrides or {}))
    except ValidationError as exc:
        raise _config_error(exc) from exc
    _check_finite(settings, "")
    return settings


def _check_finite(node: object, path: str) -> None:
    """Every number in the settings tree is finite: ``pipeline.angle_rate_hz = inf`` (a
    section whose model allows inf) is refused here, naming its dotted key."""
    if isinstance(node, float) and not math.isfinite(node):
        raise ConfigError(path, f"{node!r} is not a finite number", "a finite number")
    if isinstance(node, BaseModel):
        children = {name: getattr(node, name) for name in type(node).model_fields}
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        children = {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
    else:
        return
    for name, child in children.items():
        _check_finite(child, f"{path}.{name}" if path else name)


def _config_error(exc: ValidationError) -> ConfigError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "settings"
    ctx = first.get("ctx") or {}
    allowed: str | None = None
    reason = str(first["msg"]).removeprefix("Value error, ")
    if "expected" in ctx:
        allowed = str(ctx["expected"])
        reason = f"{first['input']!r} is not allowed"
    elif first["type"] == "extra_forbidden":
        reason, allowed = _unknown_setting(tuple(str(p) for p in first["loc"]))
    elif first["type"] in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bounds = {k: v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le")}
        allowed = ", ".join(f"{k} {v}" for k, v in bounds.items())
    more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return ConfigError(field, f"{reason}{more}", allowed)


def _unknown_setting(loc: tuple[str, ...]) -> tuple[str, str]:
    """What to say about a key that is not a setting: the likely intended one, and the rest."""
    known = _known_keys(HoldfastSettings, loc[:-1])
    if not known:
        return "unknown setting", "see docs/config.md for the known settings"
    prefix = "".join(f"{part}." for part in loc[:-1])
    guess = _likely_key(loc)
    reason = f"unknown setting; did you mean {guess}?" if guess else "unknown setting"
    return reason, ", ".join(f"{prefix}{name}" for name in sorted(known))


def _likely_key(loc: tuple[str, ...]) -> str | None:
    """The setting a mistyped or misplaced ``loc`` most likely meant, or None."""
    every = _all_keys(HoldfastSettings)
    name = loc[-1]
    # The right name one level off (``pipeline.holds`` for ``pipeline.detectors.holds``).
    elsewhere = sorted((k for k in every if k.rsplit(".", 1)[-1] == name), key=len)
    if elsewhere:
        return elsewhere[0]
    siblings = _known_keys(HoldfastSettings, loc[:-1])
    prefix = "".join(f"{part}." for part in loc[:-1])
    close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
    if close:
        return prefix + close[0]
    # A shortened name (``qos`` for ``event_qos``).
    containing = sorted(k for k in siblings if name in k)
    if len(containing) == 1:
        return prefix + containing[0]
    return None


def _known_keys(model: Any, path: tuple[str, ...]) -> list[str]:
    """Field names of the settings section at ``path`` (pydantic models or dataclasses)."""
    for part in path:
        hints = _field_types(model)
        if part not in hints:
            return []
        model = hints[part]
    return list(_field_types(model))


def _all_keys(model: Any, prefix: str = "") -> list[str]:
    """Every section and setting below ``model`` as dotted keys (``pipeline.detectors.holds``)."""
    keys: list[str] = []
    for name, annotation in _field_types(model).items():
        keys.append(prefix + name)
        keys.extend(_all_keys(annotation, f"{prefix}{name}."))
    return keys


def _field_types(model: Any) -> dict[str, Any]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {name: info.annotation for name, info in model.model_fields.items()}
    if dataclasses.is_dataclass(model) and isinstance(model, type):
        return dict(typing.get_type_hints(model))
    return {}


def _check_environment(environ: Mapping[str, str]) -> None:
    """A ``HOLDFAST_*`` variable that names no setting is a mistake the user should hear about:
    pydantic-settings would ignore it and leave the default in force without a word."""
    every = set(_all_keys(HoldfastSettings))
    for variable in sorted(environ):
        if not variable.upper().startswith(ENV_PREFIX) or variable.upper() == CONFIG_ENV:
            continue
        loc = tuple(variable[len(ENV_PREFIX) :].lower().split("__"))
        if ".".join(loc) in every:
            continue
        guess = _likely_key(loc)
        hint = f"; did you mean {_env_name(guess)}?" if guess else ""
        raise ConfigError(
            f"environment variable {variable}",
            f"names no setting{hint}",
            f"{CONFIG_ENV} or HOLDFAST_<SECTION>__<NAME>, see docs/config.md",
        )


def _env_name(key: str) -> str:
    return ENV_PREFIX + key.upper().replace(".", "__")
