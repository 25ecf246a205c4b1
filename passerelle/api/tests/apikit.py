"""Test helpers for the API: a client carrying a user's token (verified with two factors or
not), and the set of keys a record's JSON may carry besides the policy's field names."""

from __future__ import annotations

from django.test import Client

from passerelle.accounts.tests.factories import confirmed_device
from passerelle.api import services

# Keys of a record's JSON that name no field of the policy's tables: its id, and a person's
# incident (which `person.view` on the person implies).
META_KEYS = {"id", "incident"}


def token_for(user, *, verified: bool = True, name: str = "test") -> str:
    """A new token of `user`; `verified`: created in a session verified with two factors
    (the user then gets a confirmed device, as such a session needs)."""
    if verified:
        confirmed_device(user)
    _token, key = services.create_token(user, name=name, two_factor_verified=verified)
    return key


def api_client(user=None, *, verified: bool = True, key: str | None = None) -> Client:
    """A client sending `Authorization: Bearer <key>` (a new token of `user` by default),
    asking for English."""
    if key is None and user is not None:
        key = token_for(user, verified=verified)
    headers = {"Accept-Language": "en"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    client = Client(headers=headers)
    client.user = user
    return client
