"""An encrypted text field whose plaintext never appears by accident.

Values read from the database come back as `Sealed` objects: printing one shows
a mask, and only `reveal()` (called by the policy module after it has decided the
reader may see it) decrypts. Assigning a plain string encrypts it on save.
"""

from __future__ import annotations

from django.db import models
from django.db.models.query_utils import DeferredAttribute
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


class SealedAttribute(DeferredAttribute):
    """Binds a value read from the database to its row, whose public id is part of the AAD."""

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if instance is not None and isinstance(value, Sealed) and "#" not in value.context:
            value = Sealed(value.token, f"{value.context}#{instance.public_id}")
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value):
        # A data descriptor, so that reads always pass through __get__.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Encrypted with the model, field and row (public id) as associated data.

    A ciphertext copied into another field or another row does not decrypt.
    """

    description = _("Encrypted text (AES-GCM)")
    descriptor_class = SealedAttribute

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

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, Sealed):
            return value
        value = str(value)
        if value == "":
            sealed = None
        else:
            context = f"{self.context}#{model_instance.public_id}"
            sealed = Sealed(crypto.encrypt(value, context), context)
        model_instance.__dict__[self.attname] = sealed
        return sealed

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.token
        raise TypeError("Encrypted fields are written by saving the object, never in a query.")
