"""The web application: the wizard and the dashboard as pages, and the JSON API.

``create_app(settings)`` builds it; `kasa-doctor serve` runs it with uvicorn. The
routes live in `pages` (HTML) and `api` (JSON); both call the service layer.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from kasa_doctor import __version__
from kasa_doctor.service.errors import ServiceError
from kasa_doctor.service.sessions import SessionService
from kasa_doctor.web.security import Guard
from kasa_doctor.web.settings import WebSettings

HERE = Path(__file__).parent


def create_app(settings: WebSettings | None = None) -> FastAPI:
    from kasa_doctor.service.cameras import CameraService
    from kasa_doctor.service.live_steps import connect
    from kasa_doctor.service.reference import ReferenceService
    from kasa_doctor.web import api, api_cameras, dashboard, pages, reference

    settings = settings or WebSettings()
    app = FastAPI(
        title="kasa-doctor",
        version=__version__,
        description="Why is my Kasa/Tapo camera light red? The troubleshooter's JSON API.",
        # the stock docs page loads its scripts from a CDN; the page must work offline
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.sessions = SessionService()
    app.state.reference = ReferenceService(app.state.sessions.kb)
    app.state.cameras = CameraService(
        app.state.sessions,
        config_path=settings.config_path,
        database=settings.database,
        timeout=settings.check_timeout,
    )
    connect(app.state.sessions, app.state.cameras, settings.fix_timings)
    app.add_middleware(Guard, settings=settings)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(api_cameras.router)
    app.include_router(pages.router)
    app.include_router(dashboard.router)
    app.include_router(reference.pages)
    app.include_router(reference.api)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return pages.error_page(request, exc.status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        )
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": detail}, status_code=422)
        return pages.error_page(request, 422, detail)

    return app
