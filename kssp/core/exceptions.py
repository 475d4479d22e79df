"""Application errors raised by services. Interfaces map them to HTTP; services never build responses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A business rule refused the operation. ``fields`` maps a field name to a list of messages."""

    code = "invalid"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: object = None, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(str(self.message))


class NotFound(ApplicationError):
    """Missing and forbidden are the same answer (ARCHITECTURE rule 2)."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    """Only for actions on records the actor can see but may not change."""

    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = _("The record changed or already exists.")
