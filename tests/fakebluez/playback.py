"""Play a raw recording's notifications back through an emulated device, time-compressed.

``SCRIPT`` ``playback:<path>@<speed>`` on a fake device makes it send, once it streams, the
recording's notifications (those on its notify characteristics) in order, each at its recorded
time divided by ``speed``; the emulator still answers commands itself (battery, module info,
control point). The live session this gives is recorded by the test and replayed: the two
event streams must be the same.
"""

from __future__ import annotations

from collections.abc import Callable

from fakebluez.emulators.base import Emulator, Notification

PREFIX = "playback:"


def is_playback(script: str) -> bool:
    return script.startswith(PREFIX)


def attach(emulator: Emulator, script: str, notify_uuids: set[str]) -> None:
    """Replace the emulator's own samples by the recording's notifications."""
    from firmware_protocol.samples import Packet
    from sensor.recording import RawRecording

    path, _, speed_text = script[len(PREFIX) :].rpartition("@")
    speed = float(speed_text)
    notes = [
        (item.t_s / speed, item.char_uuid, item.payload)
        for item in RawRecording(path)
        if isinstance(item, Packet) and item.char_uuid in notify_uuids
    ]
    start: list[float] = []
    sent = [0]

    def due(now_s: float) -> list[Notification]:
        if not emulator.streaming:
            return []
        if not start:
            start.append(now_s)
        elapsed = now_s - start[0]
        out: list[Notification] = []
        i = sent[0]
        while i < len(notes) and notes[i][0] <= elapsed:
            out.append((notes[i][1], notes[i][2]))
            i += 1
        emulator.samples_sent += i - sent[0]  # notifications, in this mode
        sent[0] = i
        return out

    replace: Callable[[float], list[Notification]] = due
    emulator.due = replace  # type: ignore[method-assign]
