"""A digest of every event the chain gives for the recordings library, to prove a speed change
left the events alone.

    .venv/bin/python benchmarks/replay_digest.py > before.txt      # on the old code
    .venv/bin/python benchmarks/replay_digest.py --against before.txt

One line per recording: the SHA-256 of its ``holdfast replay --format jsonl`` output (angle
events included, so every angle's two decimals count) and the number of events. ``--against``
prints the recordings whose events changed and exits 1 if any did.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import sys
from pathlib import Path

from service.cli import main as holdfast

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"


def digests(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if not (path.name.endswith((".jsonl", ".jsonl.gz", ".csv"))):
            continue
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            holdfast(["replay", str(path), "--format", "jsonl"])
        text = buffer.getvalue()
        out[path.name] = f"{hashlib.sha256(text.encode()).hexdigest()} {text.count(chr(10))}"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=RECORDINGS)
    parser.add_argument("--against", type=Path, help="a digest file written earlier")
    args = parser.parse_args()
    now = digests(args.folder)
    if args.against is None:
        for name, digest in now.items():
            print(f"{name} {digest}")
        return 0
    before = dict(line.split(" ", 1) for line in args.against.read_text().splitlines() if line)
    changed = [name for name in sorted(set(before) | set(now)) if before.get(name) != now.get(name)]
    for name in changed:
        print(f"changed: {name}: {before.get(name, '-')} -> {now.get(name, '-')}")
    print(f"{len(now) - len(changed)} of {len(now)} recordings give identical events")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
