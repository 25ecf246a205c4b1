"""An encrypted text field whose plaintext never appears by accident.

Values read from the database come back as `Sealed` objects: printing one shows
a mask, and only `reveal()` (called by the policy module after it has decided the
reader may see it) decrypts. Assigning a plain string encrypts it on save.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto


class Sealed:
    __slots__ = ("token", "context")

    def __init__(self, token: str, context: str):
        self.token = token
        self.context = context

    def reveal(self) -> str:
        return crypto.decrypt(self.token, self.context)

    def __str__(self) -> str:
        return str(_("[protected]"))

    def __repr__(self) -> str:
        return "<Sealed>"

    def __eq__(self, other):
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self):
        return hash(self.token)


def reveal(value) -> str:
    """Plaintext of a Sealed or plain value ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, Sealed):
        return value.reveal()
    return str(value)


class EncryptedTextField(models.TextField):
    description = _("Encrypted text (AES-GCM)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        self.context = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return Sealed(value, self.context)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.token
        value = str(value)
        if value == "":
            return None
        return crypto.encrypt(value, self.context)
