"""Issue 14 finding 11: aiomqtt's next major release drops names the publisher uses."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_finding11_aiomqtt_has_an_upper_bound_below_the_breaking_major() -> None:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (aiomqtt,) = [Requirement(d) for d in deps if Requirement(d).name == "aiomqtt"]
    assert Version("2.5.1") in aiomqtt.specifier
    assert Version("3.0.0") not in aiomqtt.specifier
    assert not list(aiomqtt.specifier.filter(["3.0", "3.1", "4.0"]))


def test_the_names_the_publisher_relies_on_exist_in_the_installed_aiomqtt() -> None:
    import aiomqtt
    from aiomqtt.exceptions import MqttConnectError

    assert issubclass(MqttConnectError, aiomqtt.MqttError)
    assert callable(aiomqtt.TLSParameters)
