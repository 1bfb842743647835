"""The camera dashboard as web pages: a card per watched camera, and one camera's history.

Handlers translate between HTTP and :class:`~kasa_doctor.service.cameras.CameraService`
and turn the views into inline SVG charts (:mod:`kasa_doctor.web.charts`); "Diagnose
this camera" is a plain form that posts, starts a session and redirects to it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from kasa_doctor.service import camera_views as cv
from kasa_doctor.service.cameras import WINDOW, CameraService
from kasa_doctor.web import charts
from kasa_doctor.web.pages import render
from kasa_doctor.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

#: the history windows offered as links on a camera's page
SINCE_CHOICES = (("24h", "last 24 hours"), ("7d", "last 7 days"), ("30d", "last 30 days"))


def cameras(request: Request) -> CameraService:
    service: CameraService = request.app.state.cameras
    return service


Cameras = Annotated[CameraService, Depends(cameras)]


def camera_url(name: str) -> str:
    """The camera's page; the name is quoted whole (it may hold ':', '[' or spaces)."""
    return f"/dashboard/{quote(name, safe='')}"


def _sparkline(camera: cv.CameraView, weak: int) -> Markup:
    title = f"{camera.name}: Wi-Fi signal over the last 24 hours"
    return Markup(charts.sparkline(camera.recent_signal, title=title, threshold=weak))


def _history_charts(history: cv.CameraHistory) -> dict[str, Markup]:
    points = history.points
    name = history.camera.name
    if not points:
        return {}
    start = points[0].ts
    end = points[-1].ts + history.bucket_seconds
    x_range = (start, end)
    weak = history.weak_signal_dbm
    signal = charts.line_chart(
        [(p.ts, p.rssi_mean) for p in points],
        title=f"{name}: Wi-Fi signal (dBm, mean per interval)",
        unit=" dBm",
        threshold=weak,
        threshold_label=f"weak below {weak} dBm".replace("-", "−"),
        x_range=x_range,
    )
    availability = charts.line_chart(
        [(p.ts, round(100 * p.availability, 1)) for p in points],
        title=f"{name}: share of polls answered (%)",
        unit=" %",
        y_range=(0.0, 100.0),
        x_range=x_range,
    )
    reboots = charts.bar_chart(
        [(p.ts, p.reboots) for p in points],
        title=f"{name}: restarts per interval",
        bucket=history.bucket_seconds,
        x_range=x_range,
    )
    # charts escape every text they draw: the markup is safe as it is
    return {
        "signal": Markup(signal),
        "availability": Markup(availability),
        "reboots": Markup(reboots),
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, service: Cameras) -> HTMLResponse:
    listing = service.cameras()
    sparks = {c.name: _sparkline(c, listing.weak_signal_dbm) for c in listing.cameras}
    urls = {c.name: camera_url(c.name) for c in listing.cameras}
    return render(
        request, "dashboard.html", nav="dashboard", listing=listing, sparks=sparks, urls=urls
    )


@router.get("/dashboard/{name}", response_class=HTMLResponse)
def camera_page(request: Request, name: str, service: Cameras, since: str = WINDOW) -> HTMLResponse:
    history = service.history(name, since)
    url = camera_url(name)
    return render(
        request,
        "camera.html",
        nav="dashboard",
        history=history,
        camera=history.camera,
        url=url,
        chart=_history_charts(history),
        choices=SINCE_CHOICES,
    )


@router.post("/dashboard/{name}/diagnose")
def diagnose(name: str, service: Cameras) -> Response:
    view = service.diagnose(name)
    return RedirectResponse(f"/sessions/{quote(view.id, safe='')}", status_code=303)
