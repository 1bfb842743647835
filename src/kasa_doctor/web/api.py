"""The JSON API under /api: thin over the service layer, nothing decided here.

State-changing calls need the CSRF token (``GET /api/csrf``, sent back in
``X-CSRF-Token``) or, on a server with a token, ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from kasa_doctor.service import views as v
from kasa_doctor.service.sessions import SessionService
from kasa_doctor.web.security import STATE_CSRF, csrf_protect

REPORT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}


class Problem(BaseModel):
    detail: str


class CsrfToken(BaseModel):
    token: str
    header: str = "X-CSRF-Token"


ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": Problem, "description": "missing or wrong CSRF token"},
    404: {"model": Problem, "description": "no such session"},
    409: {"model": Problem, "description": "the session is not asking for this now"},
    422: {"model": Problem, "description": "a value the knowledge base does not know"},
}

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(csrf_protect)])


def sessions(request: Request) -> SessionService:
    service: SessionService = request.app.state.sessions
    return service


Sessions = Annotated[SessionService, Depends(sessions)]


@router.get("/csrf", response_model=CsrfToken)
def csrf(request: Request) -> CsrfToken:
    """The token to send as ``X-CSRF-Token`` with this client's cookie."""
    return CsrfToken(token=getattr(request.state, STATE_CSRF))


@router.get("/sessions", response_model=list[v.SessionSummary])
def list_sessions(
    service: Sessions,
    limit: Annotated[int, Query(ge=1, le=10_000, description="the newest this many")] = 100,
) -> list[v.SessionSummary]:
    return service.saved(limit)


@router.post("/sessions", response_model=v.SessionView, status_code=201, responses=ERRORS)
def create_session(request: v.NewSession, service: Sessions) -> v.SessionView:
    return service.create(request)


@router.get("/sessions/{session_id}", response_model=v.SessionView, responses=ERRORS)
def get_session(session_id: str, service: Sessions) -> v.SessionView:
    return service.get(session_id)


@router.delete("/sessions/{session_id}", status_code=204, responses=ERRORS)
def delete_session(
    session_id: str,
    service: Sessions,
    confirm: Annotated[bool, Query(description="must be true: deleting cannot be undone")] = False,
) -> Response:
    service.delete(session_id, confirm=confirm)
    return Response(status_code=204)


@router.post("/sessions/{session_id}/model", response_model=v.SessionView, responses=ERRORS)
def answer_model(session_id: str, answer: v.ModelAnswer, service: Sessions) -> v.SessionView:
    return service.answer_model(session_id, answer)


@router.post("/sessions/{session_id}/led", response_model=v.SessionView, responses=ERRORS)
def answer_led(session_id: str, answer: v.LedAnswer, service: Sessions) -> v.SessionView:
    return service.answer_led(session_id, answer)


@router.post("/sessions/{session_id}/answers", response_model=v.SessionView, responses=ERRORS)
def answer_question(session_id: str, answer: v.QuestionAnswer, service: Sessions) -> v.SessionView:
    return service.answer_question(session_id, answer)


@router.post("/sessions/{session_id}/steps", response_model=v.SessionView, responses=ERRORS)
def step_outcome(session_id: str, report: v.StepReport, service: Sessions) -> v.SessionView:
    return service.report_step(session_id, report)


@router.post(
    "/sessions/{session_id}/steps/{step}/automate",
    response_model=v.SessionView,
    status_code=202,
    responses=ERRORS,
)
def automate_step(
    session_id: str,
    step: Annotated[str, Path(max_length=100, description="the step being proposed")],
    service: Sessions,
) -> v.SessionView:
    """Let kasa-doctor take the step on the session's camera (a session started for a
    watched camera); it runs in the background: follow ``job`` in the session."""
    return service.automate(session_id, step)


@router.post("/sessions/{session_id}/escalation", response_model=v.SessionView, responses=ERRORS)
def escalate(session_id: str, request: v.Escalation, service: Sessions) -> v.SessionView:
    return service.escalate(session_id, request)


@router.get(
    "/sessions/{session_id}/report",
    responses={**ERRORS, 200: {"content": {t: {} for t in REPORT_TYPES.values()}}},
    response_class=Response,
)
def report(
    session_id: str,
    service: Sessions,
    format: Annotated[v.ReportFormat, Query()] = "json",
) -> Response:
    """The support report, redacted (addresses, network names, serials hidden)."""
    return Response(service.report(session_id, format), media_type=REPORT_TYPES[format])
