"""Standard Battery Service level characteristic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import battery
from firmware_protocol.errors import IncompleteError, MalformedError
from firmware_protocol.messages import Battery


def test_worked_example_5a_is_90_percent() -> None:
    assert battery.decode_level(bytes.fromhex("5A")) == 90


def test_full_uuids_use_the_sig_base() -> None:
    assert battery.SERVICE_UUID == "0000180f-0000-1000-8000-00805f9b34fb"
    assert battery.LEVEL_UUID == "00002a19-0000-1000-8000-00805f9b34fb"


@given(st.integers(0, 100))
def test_round_trip(pct: int) -> None:
    assert battery.decode_level(battery.encode_level(pct)) == pct


def test_encode_clips() -> None:
    assert battery.encode_level(130) == b"\x64"
    assert battery.encode_level(-3) == b"\x00"


def test_empty_is_incomplete_and_bad_values_malformed() -> None:
    with pytest.raises(IncompleteError):
        battery.decode_level(b"")
    with pytest.raises(MalformedError, match="above 100"):
        battery.decode_level(b"\x65")
    with pytest.raises(MalformedError, match="one byte"):
        battery.decode_level(b"\x50\x00")


def test_read_replies_only_for_the_level_characteristic() -> None:
    assert battery.read_replies(battery.LEVEL_UUID.upper(), b"\x57") == (Battery(87),)
    assert battery.read_replies("e95dfb24-251d-470a-a062-fa1922dfa9a8", b"\x57") == ()
