"""The wizard as web pages, the way a browser uses them: forms with the CSRF field,
post/redirect/get without JavaScript, and htmx requests that get the panel back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kasa_doctor import sessions_store
from tests.web.conftest import LOOPBACK_BASE

HTMX = {"HX-Request": "true"}


class Browser:
    """A TestClient that behaves like a page: reads the CSRF field from the HTML."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, base_url=LOOPBACK_BASE, follow_redirects=False)
        page = self.client.get("/")
        assert page.status_code == 200
        self.csrf = self.field(page.text, "csrf_token")

    @staticmethod
    def field(html: str, name: str) -> str:
        found = re.search(rf'name="{name}" value="([^"]*)"', html)
        assert found, f"no {name} field in the page"
        return found.group(1)

    def post(self, path: str, htmx: bool = False, **form: str) -> Any:
        return self.client.post(
            path, data={"csrf_token": self.csrf, **form}, headers=HTMX if htmx else {}
        )

    def start(self) -> str:
        response = self.post("/sessions")
        assert response.status_code == 303
        location: str = response.headers["location"]
        assert re.fullmatch(r"/sessions/[A-Za-z0-9_-]+", location)
        return location


def h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found, html[:400]
    return " ".join(found.group(1).split())


def prompt(html: str) -> tuple[str, str]:
    """(form action suffix, the question/step id) of the panel's form."""
    action = re.search(r'<form class="[^"]*" method="post" action="/sessions/\w+/(\w+)"', html)
    assert action, html[:400]
    kind = action.group(1)
    ident = ""
    if kind in ("answer", "step"):
        name = "question" if kind == "answer" else "step"
        ident = Browser.field(html, name)
    return kind, ident


@pytest.fixture
def browser(app: FastAPI) -> Browser:
    return Browser(app)


def test_without_javascript_each_form_posts_and_comes_back_to_the_session(
    browser: Browser,
) -> None:
    page = browser.start()
    first = browser.client.get(page)
    assert h1(first.text) == "Which camera is it?"
    assert "C200" in first.text  # the model suggestions come from the families

    back = browser.post(f"{page}/model", model="C200")
    assert back.status_code == 303 and back.headers["location"] == page
    lights = browser.client.get(page).text
    assert h1(lights) == "What does the light do?"
    # every light the knowledge base knows is drawn, with its meaning on a C200
    for led in ("red_slow_blink", "red_fast_blink", "red_solid", "red_blue_alternating"):
        assert f'id="light-{led}"' in lights
    assert "On your model:" in lights

    browser.post(f"{page}/led", led="red_slow_blink")
    asked = browser.client.get(page).text
    kind, question = prompt(asked)
    assert kind == "answer" and question
    assert "Why we ask:" in asked
    assert "Most likely causes" in asked and 'id="bar-1"' in asked


def test_htmx_answers_return_the_panel_and_the_ranking_moves(browser: Browser) -> None:
    page = browser.start()
    browser.post(f"{page}/model", htmx=True, model="C200")
    panel = browser.post(f"{page}/led", htmx=True, led="red_slow_blink")
    assert panel.status_code == 200
    assert panel.text.lstrip().startswith('<div id="wizard"')  # the panel, not a page
    bars = re.compile(r'bar-label">([^<]+)<.*?style="width: ([\d.]+)%"', re.S)
    before = bars.findall(panel.text)
    kind, question = prompt(panel.text)
    assert kind == "answer" and len(before) >= 3
    title = h1(panel.text)
    answers = re.findall(r'name="answer" value="([^"]+)"', panel.text)
    after = browser.post(f"{page}/answer", htmx=True, question=question, answer=answers[0])
    assert after.status_code == 200
    assert f"<dt>{title}</dt>" in after.text  # the answer moved into "So far"
    # the question was worth asking, so its answer moved the chart
    assert bars.findall(after.text) != before


def test_a_whole_run_that_escalates_offers_the_report_for_download(browser: Browser) -> None:
    page = browser.start()
    browser.post(f"{page}/model", model="C200")
    browser.post(f"{page}/led", led="red_solid")
    html = ""
    for _ in range(80):  # bounded: questions and steps are finite
        html = browser.client.get(page).text
        if 'action="/sessions/' not in html or "/escalate" in html:
            break
        kind, ident = prompt(html)
        if kind == "answer":
            browser.post(f"{page}/answer", question=ident, answer="")
        elif kind == "step":
            browser.post(f"{page}/step", step=ident, outcome="not_fixed", confirm="yes")
    assert "/escalate" in html, "the run should end at support when nothing helps"
    assert h1(html) == "Time to contact TP-Link support"
    done = browser.post(f"{page}/escalate", purchase_date="2025-03")
    assert done.status_code == 303
    outcome = browser.client.get(page).text
    assert h1(outcome) == "Handed over to TP-Link support"
    for fmt in ("html", "md", "json"):
        assert f'href="{page}/report.{fmt}"' in outcome
    report = browser.client.get(f"{page}/report.md")
    assert report.status_code == 200
    assert "attachment" in report.headers["content-disposition"]
    assert "2025-03" in report.text  # the purchase date reached the report
    session_id = page.rsplit("/", 1)[1]
    assert sessions_store.load(session_id).status == "escalated"


def _walk_to_factory_reset(browser: Browser, led: str) -> tuple[str, str]:
    """Answer every question with its first answer and fail every step until a factory
    reset is proposed; (page, html) — html of the reset step, or "" if none came."""
    page = browser.start()
    browser.post(f"{page}/model", model="C200")
    browser.post(f"{page}/led", led=led)
    for _ in range(80):  # bounded: questions and steps are finite
        html = browser.client.get(page).text
        if 'method="post" action="/sessions/' not in html:
            break
        kind, ident = prompt(html)
        if kind == "step" and ident == "factory_reset":
            return page, html
        if kind == "answer":
            first = re.findall(r'name="answer" value="([^"]+)"', html)[0]
            browser.post(f"{page}/answer", question=ident, answer=first)
        elif kind == "step":
            browser.post(f"{page}/step", step=ident, outcome="not_fixed")
        else:
            break
    return page, ""


def test_a_factory_reset_needs_the_tick_before_it_counts(browser: Browser) -> None:
    # a solid or red/green light with nothing else helping ends in a reset on a C200
    for led in ("red_solid", "red_green_alternating", "red_fast_blink"):
        page, html = _walk_to_factory_reset(browser, led)
        if html:
            break
    else:
        pytest.fail("no story reached a factory reset")
    assert "This step erases data on the camera" in html
    assert 'name="confirm"' in html and 'value="declined"' in html

    refused = browser.post(f"{page}/step", htmx=True, step="factory_reset", outcome="not_fixed")
    assert refused.status_code == 200  # htmx shows the panel again, with the reason
    assert 'role="alert"' in refused.text and "confirm" in refused.text
    assert prompt(refused.text) == ("step", "factory_reset")  # nothing was recorded
    plain = browser.post(f"{page}/step", step="factory_reset", outcome="not_fixed")
    assert plain.status_code == 409

    done = browser.post(
        f"{page}/step", htmx=True, step="factory_reset", outcome="not_fixed", confirm="yes"
    )
    assert done.status_code == 200
    assert prompt(done.text) != ("step", "factory_reset")


def test_a_stale_tab_cannot_answer_twice(browser: Browser) -> None:
    page = browser.start()
    browser.post(f"{page}/model", model="C200")
    first = browser.post(f"{page}/model", htmx=True, model="TC70")
    assert first.status_code == 200
    assert "is not asking for model now" in first.text
    session_id = page.rsplit("/", 1)[1]
    assert sessions_store.load(session_id).model_name == "C200"


def test_unknown_session_and_bad_light_are_plain_messages(browser: Browser) -> None:
    missing = browser.client.get("/sessions/nosuchsession")
    assert missing.status_code == 404
    assert "no saved session" in missing.text and "Traceback" not in missing.text
    page = browser.start()
    browser.post(f"{page}/model", model="C200")
    bad = browser.post(f"{page}/led", led="purple_disco")
    assert bad.status_code == 422
    assert "unknown light" in bad.text


def test_i_dont_know_is_an_answer_everywhere(browser: Browser) -> None:
    page = browser.start()
    browser.post(f"{page}/model", model="")
    browser.post(f"{page}/led", led="")
    html = browser.client.get(page).text
    kind, _ = prompt(html)
    assert kind == "answer"
    assert "I don&#39;t know" in html or "I don't know" in html
    session = sessions_store.load(page.rsplit("/", 1)[1])
    assert session.model_name == "unknown" and session.led is None
