"""The web display in Debian's Chromium: served by `holdfast serve` replaying a library
recording into a real Mosquitto, and by `holdfast display web` showing crafted messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from display_helpers import Watcher, wait_until

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]


def text_of(driver: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.ID, element_id).text)


def assert_no_script_errors(driver: Any) -> None:
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def assert_not_blank(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        width, height = rgb.size
    assert width >= 300
    assert height >= 300
    # A blank or error page has a handful of colours; ours has the panels, the ring, the
    # gauge's three zones and anti-aliased text.
    assert len(colours) > 50, f"screenshot has only {len(colours)} colours"
    biggest = max(count for count, _ in colours)
    assert biggest < 0.95 * width * height, "screenshot is one colour"


def test_serve_page_shows_the_session_and_sends_commands(
    mosquitto: Any, holdfast: Any, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    watcher = Watcher(mosquitto.port, ["holdfast/+/cmd/+", "holdfast/+/reply"])
    try:
        # demo.jsonl.gz: 3 forward bends, a set of 5 bridges, a 10 s side plank held 11 s.
        serve = holdfast(
            "serve",
            "--replay",
            str(RECORDINGS / "demo.jsonl.gz"),
            "--speed",
            "4",
            "--broker-host",
            "127.0.0.1",
            "--broker-port",
            str(mosquitto.port),
            "--client-id",
            "holdfast-web-test",
            "--journal-dir",
            str(tmp_path / "journal"),
            "--no-discovery",
            "--web-port",
            "0",
        )
        url = serve.wait_for(r"web display at (http://\S+)").group(1)
        assert "publishing on broker mqtt://127.0.0.1:" in serve.text()
        browser.get(url + "sensor/back")
        wait_until(lambda: text_of(browser, "sensor-name") == "back", 20, "the sensor page")

        wait_until(
            lambda: (
                text_of(browser, "rep-exercise") == "bridge"
                and text_of(browser, "rep-count") == "5"
            ),
            90,
            "5 bridge reps on the page",
        )
        seen: list[int] = []

        def hold_running() -> bool:
            label = text_of(browser, "hold-label")
            if "side plank" in label and "hold it" in label:
                seen.append(int(text_of(browser, "hold-seconds")))
            return len(set(seen)) >= 3

        wait_until(hold_running, 60, "the hold timer counting")
        assert seen == sorted(seen), seen  # it counts up
        assert text_of(browser, "hold-target") == "10"
        ring = browser.find_element(By.ID, "hold-ring").value_of_css_property("stroke-dasharray")
        assert not ring.startswith("0"), ring  # the ring has started to fill
        wait_until(lambda: "target reached" in text_of(browser, "hold-label"), 60, "the hold's end")
        assert int(text_of(browser, "hold-seconds")) >= 10
        assert "link online" in text_of(browser, "link")

        browser.find_element(By.ID, "cmd-calibrate").click()
        wait_until(
            lambda: "holdfast/back/cmd/calibrate" in watcher.topics(),
            20,
            "the command on the broker",
        )
        wait_until(lambda: "holdfast/back/reply" in watcher.topics(), 20, "the service's reply")
        wait_until(
            lambda: text_of(browser, "cmd-feedback") == "calibrate: done", 20, "the reply shown"
        )
        shot = tmp_path / "web-display.png"
        assert browser.save_screenshot(str(shot))
        assert_not_blank(shot)
        assert_no_script_errors(browser)
    finally:
        watcher.close()


def test_a_crafted_message_on_the_broker_reaches_the_page(
    mosquitto: Any, holdfast: Any, browser: Any
) -> None:
    """No service at all: whatever the page shows came through the broker."""
    from selenium.webdriver.common.by import By

    watcher = Watcher(mosquitto.port, ["nobody/listens"])
    try:
        web = holdfast(
            "display", "web", "--broker", f"127.0.0.1:{mosquitto.port}", "--web-port", "0"
        )
        url = web.wait_for(r"web page at (http://\S+)").group(1)
        browser.get(url)
        # Retained, so the bridge gets them whenever its subscription is made.
        watcher.publish("holdfast/status", "online", retain=True)
        watcher.publish("holdfast/mat/status", "online", retain=True)
        wait_until(lambda: text_of(browser, "connection") == "service online", 20, "service status")
        rep = {
            "t": 42.0,
            "sensor": "mat",
            "seq": 9,
            "id": "crafted-9",
            "type": "rep",
            "index": 7,
            "exercise": "bird_dog",
            "side": "left",
            "rom_deg": 12.0,
            "duration_s": 2.0,
            "top_hold_s": 1.0,
            "t_start": 40.0,
            "flagged": False,
        }
        watcher.publish("holdfast/mat/event/rep", json.dumps(rep))
        # The overview lists the sensor; its page shows the crafted rep.
        wait_until(
            lambda: browser.find_elements(By.CSS_SELECTOR, '#sensor-list a[data-sensor="mat"]'),
            20,
            "the sensor card",
        )
        browser.get(url + "sensor/mat")
        wait_until(lambda: text_of(browser, "rep-count") == "7", 20, "the crafted rep")
        assert text_of(browser, "rep-exercise") == "bird dog"
        assert text_of(browser, "rep-side") == "(left)"
        alert = {
            "t": 43.0,
            "sensor": "mat",
            "seq": 10,
            "id": "crafted-10",
            "type": "flexion_alert",
            "reason": "repeated",
            "count": 3,
            "window_s": 60.0,
            "threshold_deg": 45.0,
            "episodes": [],
        }
        watcher.publish("holdfast/mat/event/flexion_alert", json.dumps(alert))
        wait_until(
            lambda: "3 forward bends deeper than 45°" in text_of(browser, "alert-text"),
            20,
            "the alert banner",
        )
        angle = {
            "t": 43.5,
            "sensor": "mat",
            "seq": 0,
            "id": "",
            "type": "angle",
            "flexion_deg": 72.0,
            "lateral_deg": 1.0,
            "tilt_deg": 72.0,
        }
        watcher.publish("holdfast/mat/angle", json.dumps(angle))
        wait_until(lambda: text_of(browser, "flexion-value") == "72°", 20, "the angle")
        assert text_of(browser, "flexion-zone") == "deep bend"
        assert not browser.find_element(By.ID, "routine-panel").is_displayed()
        for kind, fields in routine_events():
            watcher.publish(f"holdfast/mat/event/{kind}", json.dumps(fields))
        wait_until(
            lambda: "rep 4 of 10" in text_of(browser, "routine-progress"), 20, "routine panel"
        )
        assert text_of(browser, "routine-now") == "bridge, set 1 of 2: 10 reps"
        assert text_of(browser, "routine-next") == "bird dog (left)"
        assert text_of(browser, "routine-done") == "pelvic tilt set 1: 10 of 10"
        assert_no_script_errors(browser)
    finally:
        watcher.close()


def routine_events() -> list[tuple[str, dict[str, Any]]]:
    """A routine as the service publishes it (docs/mqtt.md): started, a set done, now bridges."""
    base = {"sensor": "mat", "routine_id": "r1", "routine": "beginner"}
    plan = [
        {"step": 1, "exercise": "pelvic_tilt", "side": None, "kind": "reps", "target": 10,
         "hold_s": 3.0, "time_s": None, "sets": 1, "rest_s": 30.0, "source": "003"},
        {"step": 2, "exercise": "bridge", "side": None, "kind": "reps", "target": 10,
         "hold_s": None, "time_s": None, "sets": 2, "rest_s": 30.0, "source": "003"},
    ]  # fmt: skip
    return [
        ("routine_started", {**base, "t": 50.0, "seq": 20, "id": "crafted-20",
                             "type": "routine_started", "title": "Beginner", "plan": plan}),
        ("routine_set_ended", {**base, "t": 90.0, "seq": 21, "id": "crafted-21",
                               "type": "routine_set_ended", "step": 1, "set": 1,
                               "exercise": "pelvic_tilt", "t_start": 50.0, "done": 10,
                               "target": 10, "short": 0, "reason": "target"}),
        ("routine_step", {**base, "t": 120.0, "seq": 22, "id": "crafted-22",
                          "type": "routine_step", "step": 2, "steps": 2, "set": 1, "sets": 2,
                          "exercise": "bridge", "kind": "reps", "target": 10,
                          "next_exercise": "bird_dog", "next_side": "left"}),
        ("routine_progress", {**base, "t": 140.0, "seq": 23, "id": "crafted-23",
                              "type": "routine_progress", "step": 2, "set": 1,
                              "exercise": "bridge", "item": "rep", "done": 4, "target": 10,
                              "short": False, "message": "rep 4 of 10"}),
    ]  # fmt: skip
