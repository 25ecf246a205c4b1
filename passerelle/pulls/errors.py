"""Why a pull failed: a code kept on the connection and shown in the reader's language.

A message never quotes what the server answered (an error page may echo submissions or the
credentials sent), only a code and non-personal parameters (an HTTP status, a count).
"""

from django.utils.translation import gettext_lazy as _

from passerelle.core.errors import DomainError

MESSAGES = {
    "auth": _(
        "The server refused the credentials (HTTP %(status)s); nothing was applied. Check the "
        "token or the password, and that this account may read the form's submissions."
    ),
    "not_found": _(
        "The server does not know this form (HTTP %(status)s); nothing was applied. Check the "
        "asset uid, or the project and form ids."
    ),
    "server": _(
        "The server answered with an error (HTTP %(status)s); nothing was applied. It is tried "
        "again later."
    ),
    "http": _("The server answered HTTP %(status)s; nothing was applied."),
    "redirect": _(
        "The server redirected the request (HTTP %(status)s): check the server address "
        "(https://, no trailing path)."
    ),
    "timeout": _("The server did not answer in time; nothing was applied. Try again later."),
    "connection": _("The server could not be reached; nothing was applied. Check the address."),
    "malformed": _("The server's answer was not the expected JSON; nothing was applied."),
    "foreign_link": _(
        "The server pointed to a next page on another address; it was not followed and "
        "nothing was applied."
    ),
    "address": _(
        "This server address is refused: only https:// addresses of public servers may be "
        "pulled from."
    ),
    "too_many_pages": _(
        "The server kept sending pages (more than %(pages)s); nothing was applied."
    ),
    "rows": _(
        "%(count)s submissions could not be imported (see the errors below); nothing was applied."
    ),
    "no_mapping": _(
        "No form mapping is linked to this connection: import the XLSForm and save its mapping "
        "first."
    ),
    "refused": _("The person the pull acts for may no longer import into this organisation."),
    "busy": _("A pull of this connection is already running."),
    "import": _("The import could not be applied; nothing was applied."),
    "cancelled": _("The import was cancelled; nothing was applied."),
}


def message_for(code: str, params: dict | None = None) -> str:
    template = MESSAGES.get(code, MESSAGES["import"])
    try:
        return str(template) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


class PullError(DomainError):
    """A pull that failed before anything was applied (or that applied nothing)."""

    def __init__(self, code: str, **params):
        self.params = {k: v for k, v in params.items() if isinstance(v, int | str)}
        super().__init__(message_for(code, self.params), code=code)

    def __str__(self):
        # In the language active when shown (the job's record, a page), not when raised.
        return message_for(self.code, self.params)
