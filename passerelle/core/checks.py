"""System checks: refuse to run with an encryption key that does not open the database."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def field_key_matches_database(app_configs=None, **kwargs):
    from .crypto import assert_key_matches_database

    try:
        assert_key_matches_database()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="passerelle.E001")]
    return []


@register()
def audit_key_is_usable(app_configs=None, **kwargs):
    """The audit key decodes to 32 bytes and is not the field key (docs/security.md)."""
    from django.conf import settings

    from .audit import load_keys

    try:
        load_keys()
    except ImproperlyConfigured as exc:
        return [Error(f"Audit key: {exc}", id="passerelle.E002")]
    if settings.AUDIT_KEY.strip() == getattr(settings, "FIELD_KEY", "").strip():
        return [
            Error(
                "The audit key is the field encryption key: give the audit chain its own key.",
                id="passerelle.E002",
            )
        ]
    return []
