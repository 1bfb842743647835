"""The wizard as web pages: plain HTML forms that htmx upgrades to in-place updates.

Without JavaScript every form posts and redirects back to the session (post/redirect/
get); with htmx the same form swaps only the wizard panel, so the ranking bars move
instead of the page reloading. Handlers only translate forms to service calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kasa_doctor import __version__
from kasa_doctor.service import views as v
from kasa_doctor.service.errors import Conflict, Invalid
from kasa_doctor.service.sessions import SessionService
from kasa_doctor.web.api import REPORT_TYPES
from kasa_doctor.web.security import (
    AUTH_COOKIE,
    CSRF_FIELD,
    LOGIN_PATH,
    STATE_CSRF,
    csrf_protect,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
#: earlier sessions on the home page
RECENT = 10
router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def sessions(request: Request) -> SessionService:
    service: SessionService = request.app.state.sessions
    return service


Sessions = Annotated[SessionService, Depends(sessions)]
FormText = Annotated[str | None, Form()]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("nav", "wizard")
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "csrf_token": getattr(request.state, STATE_CSRF, ""),
            "csrf_field": CSRF_FIELD,
            "version": __version__,
            **context,
        },
        status_code=status,
    )


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    htmx = request.headers.get("hx-request") == "true"
    return render(request, "_error.html" if htmx else "error.html", status, message=message)


def _after(
    request: Request, service: SessionService, session_id: str, change: Callable[[], v.SessionView]
) -> Response:
    """Apply one answer. htmx gets the new wizard panel; a plain form post is sent back
    to the session's page. An answer that does not fit (a stale tab, a destructive step
    not confirmed) shows the session as it is, with the reason on top."""
    htmx = request.headers.get("hx-request") == "true"
    try:
        view = change()
    except (Conflict, Invalid) as exc:
        if not htmx:
            raise
        # htmx swaps only 2xx answers; the panel with the message is the useful answer
        return render(request, "_wizard.html", session=service.get(session_id), error=str(exc))
    if htmx:
        return render(request, "_wizard.html", session=view)
    return RedirectResponse(f"/sessions/{view.id}", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, service: Sessions) -> HTMLResponse:
    return render(request, "home.html", recent=service.saved(limit=RECENT))


@router.post("/sessions")
def start(request: Request, service: Sessions) -> Response:
    view = service.create(v.NewSession())
    return RedirectResponse(f"/sessions/{view.id}", status_code=303)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: str, service: Sessions) -> HTMLResponse:
    return render(request, "wizard.html", session=service.get(session_id))


@router.post("/sessions/{session_id}/model")
def model(request: Request, session_id: str, service: Sessions, model: FormText = None) -> Response:
    return _after(
        request,
        service,
        session_id,
        lambda: service.answer_model(session_id, v.ModelAnswer(model=model)),
    )


@router.post("/sessions/{session_id}/led")
def led(request: Request, session_id: str, service: Sessions, led: FormText = None) -> Response:
    return _after(
        request,
        service,
        session_id,
        lambda: service.answer_led(session_id, v.LedAnswer(led=led or None)),
    )


@router.post("/sessions/{session_id}/answer")
def answer(
    request: Request,
    session_id: str,
    service: Sessions,
    question: Annotated[str, Form()],
    answer: FormText = None,
) -> Response:
    reply = v.QuestionAnswer(question=question, answer=answer or None)
    return _after(request, service, session_id, lambda: service.answer_question(session_id, reply))


@router.post("/sessions/{session_id}/step")
def step(
    request: Request,
    session_id: str,
    service: Sessions,
    step: Annotated[str, Form()],
    outcome: Annotated[v.StepOutcome, Form()],
    confirm: FormText = None,
) -> Response:
    report = v.StepReport(step=step, outcome=outcome, confirm=confirm == "yes")
    return _after(request, service, session_id, lambda: service.report_step(session_id, report))


@router.post("/sessions/{session_id}/automate")
def automate(
    request: Request, session_id: str, service: Sessions, step: Annotated[str, Form()]
) -> Response:
    return _after(request, service, session_id, lambda: service.automate(session_id, step))


@router.get("/sessions/{session_id}/panel", response_class=HTMLResponse)
def panel(request: Request, session_id: str, service: Sessions) -> HTMLResponse:
    """The wizard panel alone: what htmx polls while kasa-doctor works on the camera."""
    return render(request, "_wizard.html", session=service.get(session_id))


@router.post("/sessions/{session_id}/escalate")
def escalate(
    request: Request, session_id: str, service: Sessions, purchase_date: FormText = None
) -> Response:
    request_ = v.Escalation(purchase_date=purchase_date)
    return _after(request, service, session_id, lambda: service.escalate(session_id, request_))


@router.get("/sessions/{session_id}/report.{fmt}")
def download(session_id: str, fmt: v.ReportFormat, service: Sessions) -> Response:
    return Response(
        service.report(session_id, fmt),
        media_type=REPORT_TYPES[fmt],
        headers={
            "content-disposition": f'attachment; filename="kasa-doctor-{session_id}.report.{fmt}"'
        },
    )


# --- the token sign-in (only when the server listens beyond loopback) ----------------------


@router.get(LOGIN_PATH, response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if request.app.state.settings.token is None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", nav="")


@router.post(LOGIN_PATH)
def login(request: Request, token: Annotated[str, Form()] = "") -> Response:
    import hmac

    expected: str | None = request.app.state.settings.token
    if expected is None:
        return RedirectResponse("/", status_code=303)
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return render(request, "login.html", 401, nav="", message="That is not the token.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(AUTH_COOKIE, expected, httponly=True, samesite="strict")
    return response
