"""/lights and /faq: what a light means on a model, and plain-English answers — pages
and their JSON twins under /api. Read-only, so no CSRF dependency is needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from kasa_doctor.service.reference import (
    MODEL_MAX,
    QUERY_MAX,
    FaqAnswer,
    LightTable,
    ReferenceService,
)
from kasa_doctor.web.pages import render


def reference(request: Request) -> ReferenceService:
    service: ReferenceService = request.app.state.reference
    return service


Reference = Annotated[ReferenceService, Depends(reference)]
Model = Annotated[str | None, Query(max_length=MODEL_MAX, description="e.g. C200 or KC120")]
Words = Annotated[str | None, Query(max_length=QUERY_MAX, description="what you want to know")]

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])


@pages.get("/lights", response_class=HTMLResponse)
def lights_page(request: Request, service: Reference, model: Model = None) -> HTMLResponse:
    return render(request, "lights.html", nav="lights", table=service.lights(model))


@pages.get("/faq", response_class=HTMLResponse)
def faq_page(request: Request, service: Reference, q: Words = None) -> HTMLResponse:
    return render(request, "faq.html", nav="faq", answer=service.faq(q))


@api.get("/lights", response_model=LightTable)
def lights(service: Reference, model: Model = None) -> LightTable:
    """What each light means on ``model`` (the general table for an unknown model)."""
    return service.lights(model)


@api.get("/faq", response_model=FaqAnswer)
def faq(service: Reference, q: Words = None) -> FaqAnswer:
    """FAQ entries that answer ``q`` (every entry without one)."""
    return service.faq(q)
