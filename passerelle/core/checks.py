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
