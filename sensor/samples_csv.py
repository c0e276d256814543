"""Samples CSV: ``t,ax,ay,az`` or ``t,ax,ay,az,gx,gy,gz``.

``t`` in seconds, acceleration in m/s^2 including gravity, gyro in deg/s. This is how data
from other tools (phone apps, vendors' exports, research datasets) comes in.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from firmware_protocol.samples import FloatArray, SampleBatch
from sensor.errors import RecordingError
from sensor.limits import (
    ACC_MAX_MPS2,
    CSV_T_MAX_S,
    GYRO_MAX_DPS,
    LimitError,
    check_rate_hz,
    check_time_s,
)
from sensor.lines import Line, read_lines
from sensor.time_order import TimeOrder

HEADER_ACC = ("t", "ax", "ay", "az")
HEADER_IMU = ("t", "ax", "ay", "az", "gx", "gy", "gz")
RATE_ROWS = 200
"""Rows whose spacing gives the nominal rate."""


class SamplesCsv:
    """Reads a samples CSV into batches of at most ``chunk_rows`` samples.

    The header is checked when opened, and the rate its first rows imply. A bad row (wrong
    column count, not a number, out of range, a ``t`` that does not increase) raises
    :class:`RecordingError` with its line number after every row before it was yielded;
    ``skip_bad=True`` counts it in ``skipped`` instead, and the row costs only itself.
    """

    def __init__(self, path: Path | str, *, skip_bad: bool = False, chunk_rows: int = 4096) -> None:
        self.path = Path(path)
        self.skip_bad = skip_bad
        self.skipped = 0
        self.chunk_rows = chunk_rows
        try:
            with self.path.open("rb") as f:
                first = next(read_lines(f), None)
        except OSError as exc:
            raise RecordingError(self.path, 1, f"cannot read: {exc}") from exc
        if first is None or first.problem is not None:
            why = first.problem if first is not None else "empty file"
            raise RecordingError(self.path, 1, f"bad header: {why}")
        cols = tuple(c.strip() for c in first.text.strip().split(","))
        if cols not in (HEADER_ACC, HEADER_IMU):
            raise RecordingError(
                self.path,
                1,
                f"bad header {first.text.strip()[:80]!r}: "
                "expected 't,ax,ay,az' or 't,ax,ay,az,gx,gy,gz'",
            )
        self.has_gyro = cols == HEADER_IMU
        self.ncols = len(cols)
        self.nominal_rate_hz = self._estimate_rate()

    def _lines(self) -> Iterator[Line]:
        try:
            with self.path.open("rb") as f:
                yield from read_lines(f, start=2) if f.readline() else ()
        except OSError as exc:
            raise RecordingError(self.path, None, f"cannot read: {exc}") from exc

    def _estimate_rate(self) -> float:
        times: list[float] = []
        for line in self._lines():
            try:
                times.append(check_time_s(float(line.text.split(",", 1)[0]), high=CSV_T_MAX_S))
            except ValueError:
                continue
            if len(times) >= RATE_ROWS:
                break
        dt = np.diff(np.asarray(times))
        dt = dt[dt > 0]
        if not dt.size:
            return 50.0
        step = float(np.median(dt))
        try:
            return check_rate_hz(1.0 / step if step > 0 else math.inf)
        except LimitError as exc:
            raise RecordingError(
                self.path,
                None,
                f"the first rows are {step:g} s apart: {exc} (is t in seconds?)",
            ) from exc

    def batches(self, sensor: str, chunk_rows: int | None = None) -> Iterator[SampleBatch]:
        chunk = chunk_rows or self.chunk_rows
        rows: list[list[float]] = []
        order: TimeOrder[list[float]] = TimeOrder(self._bad, strict=True)
        try:
            for line in self._lines():
                if not line.problem and not line.text.strip():
                    continue
                row = self._parse(line)
                if row is None:
                    continue
                rows.extend(order.push(row[0], line.lineno, row))
                if len(rows) >= chunk:
                    yield self._batch(sensor, rows)
                    rows = []
        except RecordingError:
            rows.extend(order.flush())  # deliver every good row before the bad one
            if rows:
                yield self._batch(sensor, rows)
            raise
        rows.extend(order.flush())
        if rows:
            yield self._batch(sensor, rows)

    def _parse(self, line: Line) -> list[float] | None:
        try:
            if line.problem is not None:
                raise ValueError(line.problem)
            parts = line.text.split(",")
            if len(parts) != self.ncols:
                raise ValueError(f"{len(parts)} columns, expected {self.ncols}")
            values = [float(p) for p in parts]
            check_time_s(values[0], high=CSV_T_MAX_S)
            for name, value in zip(HEADER_IMU[1:], values[1:], strict=False):
                bound = ACC_MAX_MPS2 if name.startswith("a") else GYRO_MAX_DPS
                if not math.isfinite(value) or abs(value) > bound:
                    raise LimitError(f"{name}={value:g} is outside -{bound:g}..{bound:g}")
        except ValueError as exc:
            self._bad(line.lineno, str(exc))
            return None
        return values

    def _bad(self, lineno: int, reason: str) -> None:
        if self.skip_bad:
            self.skipped += 1
            return
        raise RecordingError(self.path, lineno, f"bad row: {reason} (--skip-bad drops such rows)")

    def _batch(self, sensor: str, rows: list[list[float]]) -> SampleBatch:
        arr = np.asarray(rows, dtype=np.float64)
        t = np.ascontiguousarray(arr[:, 0])
        return SampleBatch(
            sensor=sensor,
            t_host_s=t,
            acc_mps2=np.ascontiguousarray(arr[:, 1:4]),
            gyro_dps=np.ascontiguousarray(arr[:, 4:7]) if self.has_gyro else None,
            t_device_s=t,
            nominal_rate_hz=self.nominal_rate_hz,
        )


def write_samples_csv(
    path: Path | str, t_s: FloatArray, acc_mps2: FloatArray, gyro_dps: FloatArray | None
) -> None:
    """Write a samples CSV with fixed precision (the same arrays give the same bytes)."""
    cols = [t_s[:, None], acc_mps2] + ([gyro_dps] if gyro_dps is not None else [])
    data = np.hstack(cols)
    header = ",".join(HEADER_IMU if gyro_dps is not None else HEADER_ACC)
    fmt = ["%.6f"] + ["%.5f"] * (data.shape[1] - 1)
    np.savetxt(Path(path), data, fmt=fmt, delimiter=",", header=header, comments="")
