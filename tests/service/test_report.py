"""`holdfast report`: one self-contained HTML page with the plot, and the counts the truth has."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest

from service.cli import main

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_side_plank_report_has_the_plot_and_the_holds_of_the_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(RECORDINGS / "side_plank.jsonl.gz"), "-o", str(out)]) == 0
    truth = json.loads((RECORDINGS / "side_plank.truth.json").read_text())
    page = out.read_text()
    # Self-contained: the plot is inside, nothing is fetched from anywhere.
    found = re.search(r'<img id=plot [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert found
    png = base64.b64decode(found.group(1))
    assert png.startswith(PNG_MAGIC)
    width, height = png_size(png)
    assert width > 800
    assert height > 400
    assert not re.search(r'(src|href)="(http|//)', page)
    # The counts: six holds (three each side), one bend, no reps, no warning.
    holds = truth["holds"]
    assert len(holds) == 6
    assert f"0 repetitions in 0 sets, {len(holds)} holds" in page
    assert f"{len(truth['flexion_episodes'])} forward bend," in page
    assert f"{len(truth['alerts'])} warnings" in page
    rows = re.findall(r"<tr><td>Side plank</td><td>(left|right)</td>", page)
    assert rows == [h["side"] for h in holds]
    assert "No repetitions were counted." in page
    assert "Bending forward" in page
    assert "bends an hour" in page
    said = capsys.readouterr().out
    assert said.strip() == f"{out}: 0 reps, 6 holds, 1 forward bends, 0 warnings"


def test_demo_report_tables_each_set_and_png_alone(tmp_path: Path) -> None:
    truth = json.loads((RECORDINGS / "demo.truth.json").read_text())
    out = tmp_path / "demo.html"
    assert main(["report", str(RECORDINGS / "demo.jsonl.gz"), "-o", str(out)]) == 0
    page = out.read_text()
    for s in truth["sets"]:
        if s.get("kind", "reps") != "reps":
            continue
        name = s["exercise"].replace("_", " ").capitalize()
        row = rf"<tr><td>{name}</td><td class=num>{s['set']}</td><td class=num>{s['count']}</td>"
        assert re.search(row, page), (row, page)
    assert len(truth["alerts"]) == 1
    assert "holdfast warned you once" in page
    plot = tmp_path / "demo.png"
    assert main(["report", str(RECORDINGS / "demo.jsonl.gz"), "-o", str(plot)]) == 0
    assert plot.read_bytes().startswith(PNG_MAGIC)


def test_report_refuses_an_output_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(RECORDINGS / "demo.jsonl.gz"), "-o", str(tmp_path / "r.pdf")]) == 2
    assert "a .html or a .png file" in capsys.readouterr().err
