"""The one error type services raise; its message is translatable and shown to users."""

from django.utils.functional import lazy


def worded(message, **params):
    """`message % params`, still lazy: worded in the language active when it is shown (a
    plain `lazy_string % params` would freeze the language of the moment it is made)."""
    if not params:
        return message
    return lazy(lambda: str(message) % params, str)()


class DomainError(Exception):
    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def __str__(self):
        return str(self.message)


class Refused(DomainError):
    """An action refused for one or more reasons; `reasons` lists every one (user's language),
    `codes` the same reasons for the audit log."""

    def __init__(self, reasons: list, codes: list[str]):
        super().__init__(" ".join(str(r) for r in reasons), code="refused")
        self.reasons = reasons
        self.codes = codes


def add_to_form(form, exc: DomainError) -> None:
    """Show a service's refusal at the field it names, or at the top of the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))
