"""Coverage-guided fuzzing of one edge with atheris (libFuzzer), longer than the suite's
Hypothesis run. Anything but a HoldfastError is a finding: atheris stops and writes the input
to ``crash-*``. Documented in docs/reliability.md:

    .venv/bin/pip install -e '.[fuzz]'
    .venv/bin/python tests/fuzz/run_atheris.py replay -max_total_time=600 -rss_limit_mb=2048

Targets: decoders, raw_recording, raw_recording_gz, samples_csv, replay, config, command.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for fuzz.edges
with atheris.instrument_imports(include=["firmware_protocol", "sensor", "dsp", "service"]):
    from fuzz import edges


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in edges.TARGETS:
        sys.exit(f"usage: run_atheris.py {{{','.join(edges.TARGETS)}}} [libFuzzer options]")
    target = edges.TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
