"""Service functions: plain functions that take the session explicitly, so the web
views, the API, the Telegram bot and the worker all share them."""


class ServiceError(Exception):
    """A refused operation, with a message fit to show the user (Vietnamese)."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status

    def __reduce__(self):
        # Keeps code and status when the error crosses a process boundary (services/sandbox.py).
        return (type(self), (self.message, self.code, self.status))


class NotFound(ServiceError):
    code, status = "not_found", 404


class Forbidden(ServiceError):
    code, status = "forbidden", 403


class Conflict(ServiceError):
    code, status = "conflict", 409
