"""What can go wrong in a service call, as three kinds the interfaces map to statuses."""

from __future__ import annotations


class ServiceError(Exception):
    """One line for the owner; the subclass says whose fault it is."""

    status = 400


class NotFound(ServiceError):
    """No such session, camera or history."""

    status = 404


class Conflict(ServiceError):
    """The request does not fit the session's state (answering a question that is not
    being asked, changing a finished session, a destructive step without confirmation)."""

    status = 409


class Invalid(ServiceError):
    """A value the knowledge base or the configuration has no place for."""

    status = 422
