"""Every page fits a phone: nothing scrolls sideways at 390 px (an iPhone's width)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import PHONE, artifacts_dir, browser_page, chromium

__all__ = ["chromium"]  # the fixture, registered by the import

PAGES = {
    "home": "/",
    "lights": "/lights?model=C200",
    "lights-unknown": "/lights?model=ZX-9000",
    "faq": "/faq?q=blinking+red",
    "dashboard": "/dashboard",
}


@pytest.fixture
def phone(chromium: Path, server: str) -> Iterator[Any]:
    with browser_page(chromium, server, PHONE) as page:
        yield page


def test_no_page_scrolls_sideways_on_a_phone(phone: Any) -> None:
    too_wide = {}
    for name, path in PAGES.items():
        response = phone.goto(path)
        assert response is not None and response.status == 200, path
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
        phone.screenshot(path=str(artifacts_dir() / f"phone-{name}.png"), full_page=True)
    assert too_wide == {}
