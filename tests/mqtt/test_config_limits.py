"""Issue 14 finding 9 (config accepted silently) and the --set password rule of docs/config.md."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from firmware_protocol.errors import ConfigError
from service.cli import build_parser
from service.cmd_serve import settings_from_args
from service.config import load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("HOLDFAST_"):
            monkeypatch.delenv(key)


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holdfast.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("toml", "field", "message"),
    [
        ('[mqtt]\ndiscovery = "yes"\n', "mqtt.discovery", "'yes' is not a switch"),
        ("[mqtt]\nangle_rate_hz = inf\n", "mqtt.angle_rate_hz", "finite"),
        ("[pipeline]\nangle_rate_hz = inf\n", "pipeline.angle_rate_hz", "not a finite number"),
        ("[pipeline]\nangle_rate_hz = nan\n", "pipeline.angle_rate_hz", "finite|greater than 0"),
        (
            "[broker]\nreconnect_min_s = 100\nreconnect_max_s = 1\n",
            "broker",
            "reconnect_min_s=100 is larger than reconnect_max_s=1",
        ),
        ('[broker]\nclient_id = ""\n', "broker.client_id", "at least 1"),
        ('[broker]\nclient_id = "has space"\n', "broker.client_id", "pattern"),
        ('[broker.tls]\nenabled = "on"\n', "broker.tls.enabled", "not a switch"),
    ],
)
def test_finding9_silently_accepted_values_are_refused(
    tmp_path: Path, toml: str, field: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(_toml(tmp_path, toml))
    assert info.value.field == field


def test_switches_from_the_environment_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDFAST_MQTT__DISCOVERY", "false")
    assert load_settings(None).mqtt.discovery is False
    monkeypatch.setenv("HOLDFAST_MQTT__DISCOVERY", "True")
    assert load_settings(None).mqtt.discovery is True
    monkeypatch.setenv("HOLDFAST_MQTT__DISCOVERY", "yes")
    with pytest.raises(ConfigError, match=r"mqtt\.discovery"):
        load_settings(None)


@pytest.mark.parametrize("value", ["", "hunter2"])
def test_finding9_the_password_has_no_command_line_flag_not_even_set(value: str) -> None:
    args = build_parser("serve").parse_args(
        ["serve", "--replay", "x.jsonl", "--set", f"broker.password={value}"]
    )
    with pytest.raises(ConfigError, match="not taken from the command line") as info:
        settings_from_args(args)
    assert value not in str(info.value) or not value
