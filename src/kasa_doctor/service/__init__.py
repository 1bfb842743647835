"""The service layer: what the web page and its JSON API do, with no HTTP in it.

Route handlers only translate between HTTP and these calls (datasette's split: one
core, thin interfaces on top). Every result is a pydantic view model, so the API's
OpenAPI schema and the page templates describe the same data.

- `sessions`: troubleshooting sessions — create, answer, step outcome, report.
- `cameras`: the watched cameras, their history and "diagnose this camera".
- `checks`: a live check of one camera.
"""

from kasa_doctor.service.errors import Conflict, Invalid, NotFound, ServiceError

__all__ = ["Conflict", "Invalid", "NotFound", "ServiceError"]
