"""Samples CSV: ``t,ax,ay,az`` or ``t,ax,ay,az,gx,gy,gz``.

``t`` in seconds, acceleration in m/s^2 including gravity, gyro in deg/s. This is how data
from other tools (phone apps, vendors' exports, research datasets) comes in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from firmware_protocol.errors import RecordingError
from firmware_protocol.samples import FloatArray, SampleBatch

HEADER_ACC = ("t", "ax", "ay", "az")
HEADER_IMU = ("t", "ax", "ay", "az", "gx", "gy", "gz")


class SamplesCsv:
    """Reads a samples CSV into batches of at most ``chunk_rows`` samples.

    The header is checked when opened. A bad row raises :class:`RecordingError` with its line
    number after every row before it was yielded; ``skip_bad=True`` counts it in ``skipped``.
    """

    def __init__(self, path: Path | str, *, skip_bad: bool = False, chunk_rows: int = 4096) -> None:
        self.path = Path(path)
        self.skip_bad = skip_bad
        self.skipped = 0
        self.chunk_rows = chunk_rows
        try:
            with self.path.open(encoding="utf-8") as f:
                first = f.readline()
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordingError(self.path, 1, f"cannot read: {exc}") from exc
        cols = tuple(c.strip() for c in first.strip().split(","))
        if cols not in (HEADER_ACC, HEADER_IMU):
            raise RecordingError(
                self.path,
                1,
                f"bad header {first.strip()!r}: expected 't,ax,ay,az' or 't,ax,ay,az,gx,gy,gz'",
            )
        self.has_gyro = cols == HEADER_IMU
        self.ncols = len(cols)
        self.nominal_rate_hz = self._estimate_rate()

    def _estimate_rate(self) -> float:
        times: list[float] = []
        with self.path.open(encoding="utf-8") as f:
            f.readline()
            for line in f:
                try:
                    times.append(float(line.split(",", 1)[0]))
                except ValueError:
                    continue
                if len(times) >= 200:
                    break
        dt = np.diff(np.asarray(times))
        dt = dt[dt > 0]
        return float(1.0 / np.median(dt)) if dt.size else 50.0

    def batches(self, sensor: str, chunk_rows: int | None = None) -> Iterator[SampleBatch]:
        chunk = chunk_rows or self.chunk_rows
        rows: list[list[float]] = []
        last_t = -np.inf
        with self.path.open(encoding="utf-8") as f:
            f.readline()
            lineno = 1
            for lineno, line in enumerate(f, start=2):
                if not line.strip():
                    continue
                row = self._parse(line, lineno, last_t)
                if row is None:
                    continue
                last_t = row[0]
                rows.append(row)
                if len(rows) >= chunk:
                    yield self._batch(sensor, rows)
                    rows = []
            if rows:
                yield self._batch(sensor, rows)

    def _parse(self, line: str, lineno: int, last_t: float) -> list[float] | None:
        parts = line.split(",")
        try:
            if len(parts) != self.ncols:
                raise ValueError(f"{len(parts)} columns, expected {self.ncols}")
            values = [float(p) for p in parts]
            if not all(np.isfinite(values)):
                raise ValueError("not a finite number")
            if values[0] <= last_t:
                # A sample time that repeats or goes back (a coarse clock, files pasted
                # together) cannot be placed; the user decides: fix the file or --skip-bad.
                raise ValueError(
                    f"t={parts[0].strip()} does not increase on the previous row's t={last_t:g}"
                    " (t must increase; --skip-bad drops such rows)"
                )
        except ValueError as exc:
            if self.skip_bad:
                self.skipped += 1
                return None
            raise RecordingError(self.path, lineno, f"bad row: {exc}") from exc
        return values

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
