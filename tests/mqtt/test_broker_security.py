"""TLS with a CA the test generates, password logins, and what a wrong password does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import aiomqtt
import pytest
from mqtt_helpers import (
    Mosquitto,
    Subscriber,
    expected_events,
    make_tls,
    settings_for,
    start,
    start_broker,
    wait_until,
)

from service.app import App, SourceSpec
from service.errors import BrokerError

pytestmark = pytest.mark.mosquitto


async def test_tls_and_password_login_deliver_events(
    mosquitto_factory: list[Mosquitto], bends_recording: Path, tmp_path: Path
) -> None:
    tls = make_tls(tmp_path / "pki")
    broker = start_broker(
        mosquitto_factory,
        tmp_path / "broker",
        tls=tls,
        users={"coach": "s3cret-pw", "display": "d1splay"},
    )
    sub = Subscriber(
        broker.port,
        ["holdfast/+/event/flexion"],
        username="display",
        password="d1splay",
        tls_params=aiomqtt.TLSParameters(ca_certs=str(tls.ca)),
    )
    task = start(sub)
    await sub.subscribed.wait()
    settings = settings_for(
        broker.port,
        tmp_path,
        **{
            "broker.tls.ca_file": str(tls.ca),
            "broker.username": "coach",
            "broker.password": "s3cret-pw",
        },
    )
    await App(settings, [SourceSpec.replay(bends_recording, speed=100.0)]).run()
    await sub.wait_for(lambda: len(sub.events()) == 6)  # the recording has six bends
    task.cancel()
    assert {e["type"] for e in sub.events()} == {"flexion"}


def test_tls_refuses_a_broker_signed_by_another_ca(
    mosquitto_factory: list[Mosquitto], bends_recording: Path, tmp_path: Path
) -> None:
    # A subprocess: paho leaves the socket of a failed TLS handshake to the garbage
    # collector, whose ResourceWarning would otherwise surface in whichever test runs next.
    tls = make_tls(tmp_path / "pki")
    other = make_tls(tmp_path / "other-pki")
    broker = start_broker(mosquitto_factory, tmp_path / "broker", tls=tls)
    journal = tmp_path / "journal"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--replay",
            str(bends_recording),
            "--speed",
            "100",
            "--broker-host",
            "127.0.0.1",
            "--broker-port",
            str(broker.port),
            "--tls-ca",
            str(other.ca),
            "--journal-dir",
            str(journal),
            "--flush-timeout",
            "0.5",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Issue 14 finding 6: a wrong CA is a clear error and a non-zero exit, not warnings.
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("holdfast: error:")]
    assert len(errors) == 1, done.stderr
    # Given up after the retries, or (a short replay) ended first: named either way.
    assert "not signed by the CA given" in errors[0]
    assert "certificate verify failed" in errors[0]
    # Nothing could be delivered: every event produced before it gave up waits in the
    # journal of this broker, for a run that trusts it.
    (target,) = [p for p in journal.iterdir() if p.is_dir()]
    assert target.name.startswith(f"127.0.0.1-{broker.port}")
    spilled = (target / "journal.jsonl").read_text().splitlines()
    events = [
        json.loads(json.loads(line)["payload"])
        for line in spilled
        if "/event/" in json.loads(line)["topic"]
    ]
    expected = [e["id"] for e in expected_events(bends_recording)]
    assert [e["id"] for e in events] == expected[: len(events)]


async def test_wrong_password_is_a_clear_error_after_a_bounded_retry(
    mosquitto_factory: list[Mosquitto], bends_recording: Path, tmp_path: Path
) -> None:
    broker = start_broker(mosquitto_factory, tmp_path / "broker", users={"coach": "right"})
    settings = settings_for(
        broker.port,
        tmp_path,
        **{
            "broker.username": "coach",
            "broker.password": "wrong",
            "broker.auth_retries": 2,
            "broker.reconnect_min_s": 0.05,
        },
    )
    app = App(settings, [SourceSpec.replay(bends_recording, speed=1.0)])
    with pytest.raises(BrokerError, match="login refused") as info:
        await app.run()
    assert "wrong" not in str(info.value)  # the password never shows
    assert info.value.port == broker.port
    # 1 attempt + 2 retries, then give up: no storm of connections. (Mosquitto may log the
    # last refusal a moment after we saw it.)
    await wait_until(lambda: len(re.findall("not authorised", broker.log_text())) >= 3)
    connections = re.findall(r"New connection from", broker.log_text())
    assert len(connections) == 1 + 3  # the fixture's readiness probe, then our 3 attempts
