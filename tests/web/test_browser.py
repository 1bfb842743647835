"""A whole diagnosis in a real browser: Debian's Chromium, headless, driven by
Playwright against the server on loopback.

The owner opens the camera dashboard (emulated cameras watched by real rounds of
``kasa-doctor watch``, see ``dashboard_support``), taps "Diagnose this camera" on the
camera with the weak signal, picks the light it shows from the animated pictures,
answers the questions, does the steps until the camera works, and reads the outcome.
Along the way: the ranking bars move after an answer without a page load (htmx swaps
the panel), and the blinking lamps really animate.

Screenshots (full page) go to ``$KASA_DOCTOR_ARTIFACTS`` or
``build/test-artifacts/web/``: the dashboard, the wizard's start, a question (also
at a phone's 390×844), a step, the outcome, and a step kasa-doctor took itself
("Let kasa-doctor do it" on the healthy porch camera: restarted remotely, then checked).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.web.dashboard_support import WatchedHome, watched

__all__ = ["watched"]  # the module-scoped fixture, registered by the import

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    # the browser resolves no name at all: it only ever talks to 127.0.0.1
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
TIMEOUT_MS = 10_000
MAX_TURNS = 40
PHONE = {"width": 390, "height": 844}

# The garage camera's signal is weak (-80 dBm on the dashboard). Its owner sees the
# light blink red slowly; the camera sits at the far end of the house.
LIGHT = "red_slow_blink"
STORY = {
    "distance_to_router": "far",
    "problem_intermittent": "yes",
    "camera_moved_recently": "no",
    "router_changed_recently": "no",
    "wifi_password_changed": "no",
    "power_outage_recently": "no",
    "internet_works": "yes",
    "other_devices_online": "yes",
    "all_tplink_devices_offline": "no",
    "setup_completed": "yes",
    "live_view_works": "no",
    "camera_hot": "no",
    "heat_exposure": "no",
    "camera_keeps_restarting": "no",
    "physical_damage": "no",
    "update_running": "no",
    "update_interrupted": "no",
    "cable_damaged": "no",
    "power_source": "original_adapter",
    "network_band": "2.4ghz",
    "wifi_security": "wpa2",
}
FIXED_BY = "move_closer_or_extender"


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("KASA_DOCTOR_ARTIFACTS") or REPO / "build/test-artifacts/web")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def base_url(watched: WatchedHome, kd_home: Path) -> Iterator[str]:
    from kasa_doctor.fixes.model import FAST_FIX_TIMINGS
    from kasa_doctor.web.server import running
    from kasa_doctor.web.settings import WebSettings

    settings = WebSettings(
        host="127.0.0.1",
        port=0,
        config_path=watched.config_path,
        database=watched.database,
        check_timeout=2.0,
        # kasa-doctor's steps and checks wait as long as the emulator needs, not a camera
        fix_timings=FAST_FIX_TIMINGS,
    )
    with running(settings) as (_settings, base):
        yield base


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"browser test skipped: {CHROMIUM} is missing (apt install chromium)")
    return CHROMIUM


@contextmanager
def browser_page(chromium: Path, base_url: str, viewport: dict[str, int]) -> Iterator[Any]:
    """A headless Chromium page on ``base_url``; fails the test if the page asks for
    anything off our server or reports an error."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True, timeout=TIMEOUT_MS
        )
        try:
            context = browser.new_context(base_url=base_url, viewport=viewport, locale="en-GB")
            context.set_default_timeout(TIMEOUT_MS)
            # nothing but our own server: any other request is an error
            outside: list[str] = []

            def guard(route: Any) -> None:
                if route.request.url.startswith(base_url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: errors.append(msg.text) if msg.type == "error" else None,
            )
            yield page
            assert not outside, f"the page asked for something off the server: {outside}"
            assert not errors, f"errors in the page: {errors}"
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Path, base_url: str) -> Iterator[Any]:
    with browser_page(chromium, base_url, {"width": 1280, "height": 900}) as opened:
        yield opened


def _shot(page: Any, name: str) -> None:
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000, f"{path} looks empty"


def _panel(page: Any) -> dict[str, Any]:
    """What the wizard panel shows now."""
    data: dict[str, Any] = page.evaluate(
        """() => {
            const w = document.querySelector('#wizard');
            const form = w.querySelector('section.prompt form');
            const hidden = name => form && form.querySelector(`input[name=${name}]`);
            return {
                status: w.dataset.status,
                title: w.querySelector('section.prompt h1')?.textContent.trim(),
                action: form ? form.getAttribute('action').split('/').pop() : null,
                question: hidden('question')?.value ?? null,
                step: hidden('step')?.value ?? null,
                history: w.querySelectorAll('.history dt').length,
                ranking: [...w.querySelectorAll('.ranking .bar-row')].map(r => [
                    r.querySelector('.bar-label').textContent.trim(),
                    r.querySelector('.bar').style.width,
                ]),
            };
        }"""
    )
    return data


def _answer(page: Any, click: Any, before: dict[str, Any]) -> dict[str, Any]:
    """Click, wait for htmx to swap the panel (no page load), return the new panel."""
    page.evaluate("window.__kdSamePage = 'yes'")
    click()
    page.wait_for_function(
        """n => {
            const w = document.querySelector('#wizard');
            return w && (w.querySelectorAll('.history dt').length > n
                         || w.dataset.status !== 'open');
        }""",
        arg=before["history"],
    )
    assert page.evaluate("window.__kdSamePage") == "yes", "the answer reloaded the page"
    after = _panel(page)
    assert not page.locator("#wizard p.error").count(), page.locator("#wizard").inner_text()
    return after


def test_diagnose_a_watched_camera_in_the_browser(page: Any, watched: WatchedHome) -> None:
    # --- the dashboard --------------------------------------------------------------------
    page.goto("/dashboard")
    garage = page.locator('li.camera-card[data-camera="garage"]')
    assert garage.count() == 1
    assert "weak Wi-Fi signal" in garage.inner_text()
    page.locator('li.camera-card[data-camera="porch"]').wait_for()
    _shot(page, "dashboard")

    with page.expect_navigation():
        garage.get_by_role("button", name="Diagnose this camera").click()
    assert re.search(r"/sessions/[A-Za-z0-9_-]+$", page.url), page.url
    panel = _panel(page)
    assert page.locator(".camera-tag").inner_text().endswith("garage")
    assert panel["action"] == "led", panel
    _shot(page, "wizard-start")

    # --- the lights are drawn and animated -------------------------------------------------
    def animation(selector: str) -> str:
        name: str = page.locator(selector).evaluate("el => getComputedStyle(el).animationName")
        return name

    assert animation(f"#light-{LIGHT} .led-lamp.c1") == "blink"
    assert animation("#light-red_fast_blink .led-lamp.c1") == "blink"
    assert animation("#light-red_solid .led-lamp.c1") == "none"
    assert animation("#light-red_blue_alternating .led-lamp.c2") == "swap"
    fast = page.locator("#light-red_fast_blink .led-lamp.c1").evaluate(
        "el => getComputedStyle(el).animationDuration"
    )
    slow = page.locator(f"#light-{LIGHT} .led-lamp.c1").evaluate(
        "el => getComputedStyle(el).animationDuration"
    )
    assert float(fast.rstrip("s")) < float(slow.rstrip("s"))

    panel = _answer(page, lambda: page.locator(f"#light-{LIGHT}").click(), panel)

    # --- questions and steps until the camera works --------------------------------------
    seen: list[str] = []
    shots = {"question", "step"}
    moved = 0
    for _ in range(MAX_TURNS):
        if panel["status"] != "open":
            break
        form = page.locator("#wizard section.prompt form")
        if panel["action"] == "answer":
            question = panel["question"]
            seen.append(f"question:{question}")
            if "question" in shots:
                shots.discard("question")
                _shot(page, "wizard-question")
                page.set_viewport_size(PHONE)
                _shot(page, "wizard-question-phone")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], "the page scrolls sideways on a phone"
                page.set_viewport_size({"width": 1280, "height": 900})
            answer = STORY.get(question)
            button = (
                form.locator(f'button[name="answer"][value="{answer}"]')
                if answer
                else form.locator("button.unsure")
            )
            after = _answer(page, button.click, panel)
            if answer and after["status"] == "open":
                moved += after["ranking"] != panel["ranking"]
        elif panel["action"] == "step":
            step = panel["step"]
            seen.append(f"step:{step}")
            assert page.locator("ol.instructions li").count() >= 2
            if "step" in shots:
                shots.discard("step")
                _shot(page, "wizard-step")
            if form.locator('input[name="confirm"]').count():
                form.locator('input[name="confirm"]').check()
            outcome = "fixed" if step == FIXED_BY else "not_fixed"
            if step == FIXED_BY:
                # the owner moved the camera closer: the check afterwards sees it
                watched.cameras["garage"].set_fault("weak_signal", False)
            after = _answer(page, form.locator(f'button[value="{outcome}"]').click, panel)
        else:
            raise AssertionError(f"unexpected prompt {panel} after {seen}")
        panel = after
    else:
        raise AssertionError(f"no outcome after {MAX_TURNS} turns: {seen}")

    # --- the outcome ---------------------------------------------------------------------
    assert panel["status"] == "fixed", (panel, seen)
    assert seen[-1] == f"step:{FIXED_BY}"
    assert moved >= 1, "the ranking bars never moved after an answer"
    outcome = page.locator("#wizard section.prompt").inner_text()
    assert "Your camera works again" in outcome
    _shot(page, "wizard-outcome")
    # the page as loaded from scratch shows the same end
    page.reload()
    assert _panel(page)["status"] == "fixed"
    assert not shots, f"no screenshot of a {shots}"

    # --- kasa-doctor takes a step itself: the healthy porch camera, restarted remotely --
    page.goto("/dashboard")
    with page.expect_navigation():
        porch = page.locator('li.camera-card[data-camera="porch"]')
        porch.get_by_role("button", name="Diagnose this camera").click()
    panel = _answer(page, lambda: page.locator(f"#light-{LIGHT}").click(), _panel(page))
    automate = page.get_by_role("button", name="Let kasa-doctor do it")
    for _ in range(MAX_TURNS):
        assert panel["status"] == "open", panel
        if automate.count():
            break
        form = page.locator("#wizard section.prompt form")
        button = (
            form.locator("button.unsure")
            if panel["action"] == "answer"
            else form.locator('button[value="not_fixed"]')
        )
        panel = _answer(page, button.click, panel)
    else:
        raise AssertionError("kasa-doctor never offered to take a step")
    step = panel["step"]
    page.evaluate("window.__kdSamePage = 'yes'")
    automate.click()
    # the panel polls itself until the job ends, then shows what kasa-doctor did (the
    # report of the check after an earlier owner's step may still be on the page)
    page.locator('#wizard .job-done[data-kind="automate"]').wait_for()
    assert page.evaluate("window.__kdSamePage") == "yes"
    report = page.locator("#wizard .job").inner_text()
    assert "What kasa-doctor did" in report, report
    _shot(page, "wizard-automated")
    if _panel(page)["step"] == step:  # the camera could not tell: the owner says
        _answer(page, page.locator('#wizard button[value="fixed"]').click, _panel(page))
    assert _panel(page)["status"] in ("open", "fixed")
