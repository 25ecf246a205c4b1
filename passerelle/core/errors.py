"""The one error type services raise; its message is translatable and shown to users."""


class DomainError(Exception):
    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def __str__(self):
        return str(self.message)


def add_to_form(form, exc: DomainError) -> None:
    """Show a service's refusal at the field it names, or at the top of the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))
