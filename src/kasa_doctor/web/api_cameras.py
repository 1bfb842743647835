"""The cameras' JSON API: the dashboard's data, history, "diagnose this camera", checks.

Thin over :class:`kasa_doctor.service.cameras.CameraService`; nothing decided here.
No response carries a login: views are built from readings, redacted and scrubbed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from kasa_doctor.service import camera_views as cv
from kasa_doctor.service import views as v
from kasa_doctor.service.cameras import MAX_SINCE_LEN, WINDOW, CameraService
from kasa_doctor.web.api import Problem
from kasa_doctor.web.security import csrf_protect

router = APIRouter(prefix="/api", tags=["cameras"], dependencies=[Depends(csrf_protect)])

CSRF: dict[int | str, dict[str, object]] = {
    403: {"model": Problem, "description": "missing or wrong CSRF token"}
}
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "no camera of that name in the configuration or history"}
}
INVALID: dict[int | str, dict[str, object]] = {
    422: {"model": Problem, "description": "a value that is not valid (e.g. a bad since)"}
}
CONFLICT: dict[int | str, dict[str, object]] = {
    409: {"model": Problem, "description": "the camera cannot be checked as it is configured"}
}


def cameras(request: Request) -> CameraService:
    service: CameraService = request.app.state.cameras
    return service


Cameras = Annotated[CameraService, Depends(cameras)]
Name = Annotated[str, Path(min_length=1, max_length=300, description="the camera's name")]
Since = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_SINCE_LEN,
        description="30m, 24h, 7d, 2w, or an ISO date/time (UTC unless it says otherwise)",
    ),
]


@router.get("/cameras", response_model=cv.CameraList)
def list_cameras(service: Cameras) -> cv.CameraList:
    """Every camera of the watch configuration and the watcher's database."""
    return service.cameras()


@router.get(
    "/cameras/{name}/history",
    response_model=cv.CameraHistory,
    responses={**NOT_FOUND, **INVALID},
)
def camera_history(name: Name, service: Cameras, since: Since = WINDOW) -> cv.CameraHistory:
    """Signal, availability and restarts in time buckets, and the incidents since ``since``."""
    return service.history(name, since)


@router.post(
    "/cameras/{name}/diagnose",
    response_model=v.SessionView,
    status_code=201,
    responses={**CSRF, **NOT_FOUND, **CONFLICT, **INVALID},
)
def diagnose_camera(name: Name, service: Cameras) -> v.SessionView:
    """Check the camera live and start a troubleshooting session with its readings."""
    return service.diagnose(name)


@router.post("/check", response_model=cv.CheckView, responses={**CSRF, **CONFLICT, **INVALID})
def check(request: cv.CheckRequest, service: Cameras) -> cv.CheckView:
    """A live check of one camera, redacted (as ``kasa-doctor check --json``)."""
    return service.check(request)
