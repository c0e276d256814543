"""Hypothesis fuzzing of every edge where bytes enter (issue 14, build item 5): only our typed
errors (HoldfastError) may come out. The suite runs a fixed, derandomized set of examples
(tests/conftest.py); ``HYPOTHESIS_PROFILE=fuzz-long`` runs many more, and run_atheris.py
does a coverage-guided run (docs/reliability.md has the commands)."""

from __future__ import annotations

import json
import os

from fuzz import edges
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

settings.register_profile(
    "fuzz-long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck)
)
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz-long"
EXAMPLES = 20_000 if LONG else 150
few = settings(max_examples=EXAMPLES // 3 if LONG else 40, deadline=None)
many = settings(max_examples=EXAMPLES, deadline=None)

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)


def _line(t: object, payload: bytes) -> bytes:
    obj = {"t": t, "uuid": edges.WITMOTION_UUID, "hex": payload.hex()}
    return json.dumps(obj, allow_nan=True).encode() + b"\n"


@many
@given(st.binary(max_size=512))
def test_decoders_take_any_bytes(data: bytes) -> None:
    edges.decoders(data)


@many
@given(st.binary(max_size=2048))
def test_raw_recording_takes_any_bytes(data: bytes) -> None:
    edges.raw_recording(b'{"format":"holdfast-raw","device":"witmotion","nominal_rate_hz":50,'
                        b'"start_utc":"2026-01-01T00:00:00Z"}\n' + data)  # fmt: skip
    edges.raw_recording(data)


@few
@given(st.binary(max_size=1024))
def test_gzip_recording_takes_any_bytes(data: bytes) -> None:
    import gzip

    packed = gzip.compress(data)
    edges.raw_recording_gz(packed[: len(packed) // 2])
    edges.raw_recording_gz(packed)
    edges.raw_recording_gz(data)


@many
@given(
    st.lists(
        st.one_of(
            st.lists(numbers, min_size=1, max_size=8).map(
                lambda v: ",".join(json.dumps(x) if isinstance(x, str) else str(x) for x in v)
            ),
            st.text(max_size=40),
        ),
        max_size=40,
    ),
    st.sampled_from(["t,ax,ay,az", "t,ax,ay,az,gx,gy,gz"]),
)
def test_samples_csv_takes_any_rows(rows: list[str], header: str) -> None:
    edges.samples_csv((header + "\n" + "\n".join(rows) + "\n").encode("utf-8", "surrogatepass"))


@few
@given(
    rate=numbers,
    times=st.lists(numbers, min_size=1, max_size=30),
    payload=st.binary(min_size=20, max_size=20),
)
def test_any_header_rate_and_times_through_the_whole_chain(
    rate: object, times: list[object], payload: bytes
) -> None:
    # A WitMotion frame (samples come out) with az at 1 g: an all-zero acceleration is the
    # known dsp issue in test_all_zero_acceleration_known_issue below.
    payload = b"\x55\x61" + payload[2:6] + b"\x00\x08" + payload[8:]
    body = b"".join(_line(t, payload) for t in times)
    # many good lines after the fuzzed ones, so filters and detectors really run
    body += b"".join(_line(5.0 + 0.02 * i, payload) for i in range(300))
    edges.replay_through_pipeline(body, {"nominal_rate_hz": rate})


toml_values = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(str(f), repr(f))
    ),
    st.booleans().map(lambda b: str(b).lower()),
    st.text(max_size=12).map(json.dumps),
    st.just("[1, 2]"),
    st.just("{}"),
)
keys = st.sampled_from(
    [
        ("broker", "host"), ("broker", "port"), ("broker", "client_id"),
        ("broker", "reconnect_min_s"), ("broker", "reconnect_max_s"), ("broker", "keepalive_s"),
        ("mqtt", "discovery"), ("mqtt", "angle_rate_hz"), ("mqtt", "event_qos"),
        ("mqtt", "topic_prefix"), ("journal", "max_disk_mb"), ("journal", "max_memory_messages"),
        ("pipeline", "angle_rate_hz"), ("pipeline", "emit_angles"), ("broker.tls", "enabled"),
        ("pipeline", "nosuch"), ("nosuch", "x"),
    ]
)  # fmt: skip


@many
@given(st.lists(st.tuples(keys, toml_values), max_size=6), st.text(max_size=30))
def test_config_loader_takes_any_toml(items: list[tuple[tuple[str, str], str]], junk: str) -> None:
    sections: dict[str, dict[str, str]] = {}
    for (section, key), value in items:
        sections.setdefault(section, {})[key] = value
    text = "".join(
        f"[{s}]\n" + "".join(f"{k} = {v}\n" for k, v in kv.items()) for s, kv in sections.items()
    )
    edges.config_toml(text.encode())
    edges.config_toml((text + junk).encode("utf-8", "surrogatepass"))


@many
@given(
    st.sampled_from(["back/cmd/", "nobody/cmd/", "back/", ""]),
    st.sampled_from(["calibrate", "exercise", "hold_target", "recording", "x", ""]),
    st.one_of(
        st.binary(max_size=300),
        st.dictionaries(
            st.sampled_from(["seconds", "exercise", "action", "request_id", "x"]),
            numbers,
            max_size=4,
        ).map(lambda d: json.dumps(d).encode()),
    ),
)
def test_command_handler_answers_anything(prefix: str, name: str, payload: bytes) -> None:
    edges.command(f"{prefix}{name}".encode() + b"\n" + payload)


def test_an_all_zero_acceleration_stream_runs_the_chain() -> None:
    # Found by the fuzzing above (a division by |mean acc| = 0 in calibration), since fixed.
    body = b"".join(_line(0.02 * i, b"\x55\x61" + bytes(18)) for i in range(300))
    edges.replay_through_pipeline(body)
