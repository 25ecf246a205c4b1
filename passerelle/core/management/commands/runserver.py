"""`manage.py runserver` whose static files answer 400, not 500, to a path that leaves the
static folders (`/static/../manage.py`, `/static/%2e%2e/`): Django's development handler lets
the SuspiciousFileOperation escape. Production serves static files with WhiteNoise, which only
knows the collected files. `passerelle.core` is listed before `django.contrib.staticfiles` in
INSTALLED_APPS so that this command is the one found."""

from __future__ import annotations

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.exception import response_for_exception


class SafeStaticFilesHandler(StaticFilesHandler):
    def get_response(self, request):
        try:
            return super().get_response(request)
        except SuspiciousOperation as exc:  # 400, like any other suspicious request
            return response_for_exception(request, exc)


class Command(StaticRunserver):
    def get_handler(self, *args, **options):
        handler = super().get_handler(*args, **options)
        if isinstance(handler, StaticFilesHandler):
            return SafeStaticFilesHandler(handler.application)
        return handler
