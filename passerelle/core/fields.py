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
            value = Sealed(value.token, self.field.row_context(instance))
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value):
        # A data descriptor, so that reads always pass through __get__.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Encrypted with the model, field and row (public id) as associated data.

    A ciphertext copied into another field or another row does not decrypt. Rows without a
    public id (event tables) bind to another attribute known before the insert, `bind`:
    the foreign key of the record they belong to (`bind="referral_id"`), so a note moved
    to another record's history does not decrypt.
    """

    description = _("Encrypted text (AES-GCM)")
    descriptor_class = SealedAttribute

    def __init__(self, *args, bind: str = "public_id", **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        self.bind = bind
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.bind != "public_id":
            kwargs["bind"] = self.bind
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        self.context = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def row_context(self, instance) -> str:
        """The associated data of this field on this row."""
        return f"{self.context}#{getattr(instance, self.bind)}"

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
            context = self.row_context(model_instance)
            sealed = Sealed(crypto.encrypt(value, context), context)
        model_instance.__dict__[self.attname] = sealed
        return sealed

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.token
        raise TypeError("Encrypted fields are written by saving the object, never in a query.")


class Opened:
    """A row whose sealed fields the policy has decided to show: those fields read as
    plaintext, every other attribute comes from the row. Built by `passerelle.policy` only."""

    def __init__(self, obj, plain: dict):
        self._obj = obj
        self.__dict__.update(plain)

    def __getattr__(self, name):
        return getattr(self.__dict__["_obj"], name)


def opened(obj, *names: str) -> Opened:
    return Opened(obj, {name: reveal(getattr(obj, name)) for name in names})


class OpenedRows:
    """A queryset whose rows come out `opened` — lazily, so that a list page that never
    shows them does not read them."""

    def __init__(self, queryset, *names: str):
        self._queryset = queryset
        self._names = names

    def __iter__(self):
        return (opened(row, *self._names) for row in self._queryset)

    def __len__(self):
        return len(self._queryset)

    def __bool__(self):
        return bool(self._queryset)
