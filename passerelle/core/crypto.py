"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for identities.

One master key (settings.FIELD_KEY, 32 bytes, base64) is stretched with HKDF into
an encryption key and an index key. Every ciphertext carries a version byte and a
key identifier, so a wrong key is detected instead of producing garbage, and the
context (model and field) is bound as associated data so that a ciphertext cannot
be moved to another field.

Token layout (then URL-safe base64, prefixed with "p1:"):
    key_id (4 bytes) | nonce (12 bytes) | ciphertext+tag
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "p1:"


class DecryptionError(Exception):
    """The stored value cannot be decrypted with the configured key."""


@dataclass(frozen=True)
class Keys:
    enc: bytes
    index: bytes
    key_id: bytes


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def parse_master_key(text: str) -> bytes:
    """Decode a base64 master key; raise ImproperlyConfigured with the reason."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(
            "The encryption key is not valid base64. Generate one with: python -c "
            "'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
        ) from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"The encryption key must be 32 bytes once decoded; this one is {len(raw)} bytes."
        )
    return raw


@lru_cache(maxsize=4)
def _keys_for(text: str) -> Keys:
    master = parse_master_key(text)
    return Keys(
        enc=_derive(master, b"passerelle field encryption v1"),
        index=_derive(master, b"passerelle blind index v1"),
        key_id=hashlib.sha256(_derive(master, b"passerelle key id v1")).digest()[:4],
    )


def load_keys() -> Keys:
    if not getattr(settings, "FIELD_KEY", ""):
        raise ImproperlyConfigured(
            "No encryption key is configured (PASSERELLE_FIELD_KEY or PASSERELLE_FIELD_KEY_FILE)."
        )
    return _keys_for(settings.FIELD_KEY)


def key_fingerprint() -> str:
    return load_keys().key_id.hex()


@lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    """The cipher object of a key, built once (it holds no per-message state)."""
    return AESGCM(key)


def encrypt(plaintext: str, context: str) -> str:
    keys = load_keys()
    nonce = os.urandom(12)
    sealed = _aead(keys.enc).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    return PREFIX + base64.urlsafe_b64encode(keys.key_id + nonce + sealed).decode("ascii")


def decrypt(token: str, context: str) -> str:
    keys = load_keys()
    if not token.startswith(PREFIX):
        raise DecryptionError("not a Passerelle ciphertext")
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX) :])
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("corrupt ciphertext") from exc
    key_id, nonce, sealed = raw[:4], raw[4:16], raw[16:]
    if key_id != keys.key_id:
        raise DecryptionError("encrypted with another key")
    try:
        return _aead(keys.enc).decrypt(nonce, sealed, context.encode()).decode("utf-8")
    except Exception as exc:  # cryptography raises InvalidTag
        raise DecryptionError("ciphertext does not authenticate") from exc


def normalise_for_index(value: str) -> str:
    """Case-, accent- and space-insensitive form used for exact look-ups."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


def blind_index(value: str, context: str) -> str:
    """Keyed hash allowing equality search without decrypting; empty for empty input."""
    norm = normalise_for_index(value or "")
    if not norm:
        return ""
    mac = hmac.new(load_keys().index, f"{context}\x00{norm}".encode(), hashlib.sha256)
    return mac.hexdigest()


@lru_cache(maxsize=4)
def _digest_key(text: str) -> bytes:
    return _derive(parse_master_key(text), b"passerelle content digest v1")


def keyed_digest(data: bytes, context: str) -> str:
    """A keyed HMAC-SHA256 of `data` (a canonical form of some content), under a key derived
    from the master key for digests only: equal content gives an equal digest, and nobody
    without the key can test a guess of identities against it (unlike a plain hash)."""
    load_keys()  # the same error as everywhere when no key is configured
    mac = hmac.new(_digest_key(settings.FIELD_KEY), context.encode() + b"\x00" + data, "sha256")
    return mac.hexdigest()


CANARY_PLAINTEXT = "passerelle-key-canary"
CANARY_CONTEXT = "core.KeyCanary"


def assert_key_matches_database() -> None:
    """Stop start-up if the database was encrypted with another key."""
    from django.db import DatabaseError

    from .models import KeyCanary

    try:
        canary = KeyCanary.objects.first()
    except DatabaseError:
        return  # not migrated yet: nothing encrypted yet
    if canary is None:
        return
    try:
        ok = decrypt(canary.token, CANARY_CONTEXT) == CANARY_PLAINTEXT
    except DecryptionError:
        ok = False
    if not ok:
        raise ImproperlyConfigured(
            "The encryption key does not match the key this database was encrypted with "
            f"(database key id {canary.key_id}, configured key id {key_fingerprint()}). "
            "Restore the right key; Passerelle will not start with the wrong one."
        )


def ensure_canary() -> None:
    from .models import KeyCanary

    if not KeyCanary.objects.exists():
        KeyCanary.objects.create(
            token=encrypt(CANARY_PLAINTEXT, CANARY_CONTEXT), key_id=key_fingerprint()
        )
