"""Settings: TOML < environment < flags, clear errors, and the password kept secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from firmware_protocol.errors import ConfigError
from service.config import load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("HOLDFAST_"):
            monkeypatch.delenv(key)


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holdfast.toml"
    path.write_text(text)
    return path


def test_flags_beat_environment_beat_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _toml(
        tmp_path,
        """
[broker]
host = "from-toml"
port = 1111
username = "toml-user"

[mqtt]
topic_prefix = "toml"

[pipeline]
angle_rate_hz = 4.0
""",
    )
    monkeypatch.setenv("HOLDFAST_BROKER__PORT", "2222")
    monkeypatch.setenv("HOLDFAST_MQTT__TOPIC_PREFIX", "env")
    s = load_settings(path, {"mqtt.topic_prefix": "flag"})
    assert s.broker.host == "from-toml"  # only in the file
    assert s.broker.username == "toml-user"
    assert s.broker.port == 2222  # env beats the file
    assert s.mqtt.topic_prefix == "flag"  # the flag beats both
    assert s.pipeline.angle_rate_hz == 4.0  # detector thresholds nest as [pipeline]
    assert s.broker.reconnect_max_s == 30.0  # untouched defaults stay


def test_a_wrong_value_names_the_field_and_the_allowed_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(None, {"mqtt.event_qos": 7})
    assert info.value.field == "mqtt.event_qos"
    assert "0, 1 or 2" in str(info.value)
    with pytest.raises(ConfigError, match=r"broker\.transport.*'tcp' or 'websockets'"):
        load_settings(_toml(tmp_path, '[broker]\ntransport = "carrier-pigeon"\n'))
    with pytest.raises(ConfigError, match=r"broker\.port.*le 65535"):
        load_settings(None, {"broker.port": 70000})
    with pytest.raises(ConfigError, match=r"mqtt\.topic_prefix"):
        load_settings(None, {"mqtt.topic_prefix": "holdfast/#"})
    with pytest.raises(ConfigError, match=r"broker\.tls\.ca_file.*not point to a file"):
        load_settings(None, {"broker.tls.ca_file": str(tmp_path / "missing-ca.pem")})
    with pytest.raises(ConfigError, match=r"broker\.hots.*did you mean broker\.host\?"):
        load_settings(None, {"broker.hots": "typo"})


def test_a_misplaced_or_shortened_key_gets_the_likely_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"did you mean mqtt\.event_qos\?") as info:
        load_settings(_toml(tmp_path, "[mqtt]\nqos = 1\n"))
    assert "mqtt.topic_prefix" in str(info.value)  # the section's settings are listed
    with pytest.raises(ConfigError, match=r"did you mean pipeline\.detectors\.holds\?"):
        load_settings(_toml(tmp_path, "[pipeline.holds]\nlowered_dwell_s = 1\n"))


def test_an_environment_variable_that_names_no_setting_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pydantic-settings alone would ignore it and leave the default in force, silently.
    monkeypatch.setenv("HOLDFAST_BROKR__HOST", "mqtt.local")
    with pytest.raises(ConfigError, match=r"HOLDFAST_BROKR__HOST.*HOLDFAST_BROKER__HOST\?"):
        load_settings()
    monkeypatch.delenv("HOLDFAST_BROKR__HOST")
    monkeypatch.setenv("HOLDFAST_PIPELINE__HOLDS__LOWERED_DWELL_S", "1")
    with pytest.raises(ConfigError, match=r"HOLDFAST_PIPELINE__DETECTORS__HOLDS__LOWERED"):
        load_settings()
    monkeypatch.delenv("HOLDFAST_PIPELINE__HOLDS__LOWERED_DWELL_S")
    # Real settings, whole sections and the config file's own variable are all fine.
    monkeypatch.setenv("HOLDFAST_PIPELINE__DETECTORS__HOLDS__LOWERED_DWELL_S", "1")
    monkeypatch.setenv("HOLDFAST_BROKER__HOST", "mqtt.local")
    monkeypatch.setenv("HOLDFAST_CONFIG", "")
    settings = load_settings()
    assert settings.pipeline.detectors.holds.lowered_dwell_s == 1
    assert settings.broker.host == "mqtt.local"


def test_unreadable_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file"):
        load_settings(_toml(tmp_path, "[broker\nhost = 1\n"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")


def test_the_password_never_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDFAST_BROKER__PASSWORD", "hunter2-very-secret")
    s = load_settings(None, {})
    assert s.broker.password is not None
    assert s.broker.password.get_secret_value() == "hunter2-very-secret"
    assert "hunter2" not in repr(s)
    assert "hunter2" not in str(s.model_dump())
    helps = [
        subprocess.run(
            [sys.executable, "-m", "service.cli", cmd, "--help"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for cmd in ("serve", "demo")
    ]
    for text in helps:
        assert "hunter2" not in text
        assert "--password" not in text  # no flag for it at all: flags end up in `ps`
        assert "HOLDFAST_BROKER__PASSWORD" in text
