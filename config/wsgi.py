"""WSGI entry point. Start-up stops if the encryption key is missing or wrong."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from passerelle.core.crypto import assert_key_matches_database  # noqa: E402

assert_key_matches_database()
