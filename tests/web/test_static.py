"""The page needs nothing from the internet: scripts and styles come from the package."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi.testclient import TestClient

import kasa_doctor.web

STATIC = Path(kasa_doctor.web.__file__).parent / "static"
HTMX = STATIC / "vendor" / "htmx-2.0.8.min.js"
#: npm htmx.org@2.0.8 dist/htmx.min.js, unmodified (static/vendor/README.md)
HTMX_SHA256 = "22283ef68cb7545914f0a88a1bdedc7256a703d1d580c1d255217d0a50d31313"


def test_the_vendored_htmx_is_the_release_it_claims_to_be() -> None:
    assert hashlib.sha256(HTMX.read_bytes()).hexdigest() == HTMX_SHA256
    assert (STATIC / "vendor" / "htmx-LICENSE.txt").is_file()


def test_pages_load_only_their_own_scripts_and_styles(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(s.endswith("htmx-2.0.8.min.js") for s in sources)
    external = [s for s in sources if re.match(r"(https?:)?//", s)]
    assert external == []
    for path in [s for s in sources if s.startswith("/static/")]:
        served = client.get(path)
        assert served.status_code == 200, path
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp


def test_static_files_are_served_with_their_types(client: TestClient) -> None:
    script = client.get("/static/vendor/htmx-2.0.8.min.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    style = client.get("/static/app.css")
    assert style.status_code == 200 and "text/css" in style.headers["content-type"]
    assert "@keyframes blink" in style.text  # the lights are animated by CSS alone
