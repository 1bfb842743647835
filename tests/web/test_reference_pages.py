"""/lights and /faq: the answers an owner can read without starting a diagnosis."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kasa_doctor.knowledge.loader import KnowledgeBase


def test_the_light_table_of_a_known_model_says_how_sure_it_is(
    client: TestClient, kb: KnowledgeBase
) -> None:
    page = client.get("/lights", params={"model": "C200"})
    assert page.status_code == 200
    family = kb.family_for_model("C200")
    assert family is not None
    rows = re.findall(r'<tr id="row-([a-z_]+)">', page.text)
    assert rows == [row.led for row in family.leds]
    # each light is drawn (an animated lamp) and rated
    assert page.text.count('class="led rhythm-') == len(rows)
    assert re.search(r'class="confidence confidence-(high|medium|low|none)"', page.text)
    assert family.reset.hold_seconds in page.text
    assert "is not in our tables" not in page.text


def test_an_unknown_model_gets_the_general_table_and_says_so(
    client: TestClient, kb: KnowledgeBase
) -> None:
    page = client.get("/lights", params={"model": "ZX-9000"})
    assert page.status_code == 200
    assert "ZX-9000 is not in our tables" in page.text
    data = client.get("/api/lights", params={"model": "ZX-9000"}).json()
    assert data["known"] is False and data["family"]["id"] == kb.fallback


def test_the_api_light_table_matches_the_knowledge_base(
    client: TestClient, kb: KnowledgeBase
) -> None:
    data = client.get("/api/lights", params={"model": "KC120"}).json()
    family = kb.family_for_model("KC120")
    assert family is not None and data["known"] is True
    assert data["family"]["live_support"] == family.live_support == "sysinfo"
    assert [r["light"]["id"] for r in data["rows"]] == [row.led for row in family.leds]
    assert all(r["confidence"] and r["source"] for r in data["rows"])


def test_faq_search_finds_the_reset_answer(client: TestClient) -> None:
    data = client.get("/api/faq", params={"q": "will a factory reset delete my recordings"}).json()
    assert data["fallback"] is False
    assert "reset" in data["results"][0]["question"].lower()
    page = client.get("/faq", params={"q": "factory reset recordings"})
    assert page.status_code == 200
    assert data["results"][0]["question"] in page.text.replace("&#39;", "'")


def test_a_question_nobody_asked_lists_every_question(
    client: TestClient, kb: KnowledgeBase
) -> None:
    data = client.get("/api/faq", params={"q": "xylophone quantum"}).json()
    assert data["fallback"] is True
    assert len(data["results"]) == len(kb.faq)
    page = client.get("/faq", params={"q": "xylophone quantum"})
    assert "Nothing matches" in page.text


def test_overlong_input_is_refused_not_crashed(client: TestClient) -> None:
    assert client.get("/api/faq", params={"q": "x" * 500}).status_code == 422
    assert client.get("/api/lights", params={"model": "C" * 500}).status_code == 422
