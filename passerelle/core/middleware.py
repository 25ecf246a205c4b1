"""Request and response rules that hold for every page.

- `RequestSizeLimitMiddleware`: a request body larger than `settings.MAX_REQUEST_BYTES`
  (declared in Content-Length) is refused with 413 before anything reads it. Django's own
  DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files; this does.
- `NoNulBytesMiddleware`: a query string holding a NUL byte (`?q=%00`) is refused with 400;
  no real link holds one, and PostgreSQL refuses it in a text comparison (a server error).
- `NoStoreMiddleware`: the pages of a signed-in user are never kept by the browser or a proxy
  (`Cache-Control: no-store`, `Pragma: no-cache`): on a shared field laptop, the back button
  after logout must not show a victim's page. Static files (served before Django) and the
  public pages of an anonymous visitor keep their caching. The one exception is a response
  marked `public_cache` by its view: the simplified area boundaries (geography.views.boundaries),
  public geography identical for every user, which the map pages fetch once and keep.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            message = _("The request is too large (at most %(size)s MB).") % {
                "size": settings.MAX_REQUEST_BYTES // (1024 * 1024)
            }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NoNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return HttpResponseBadRequest(
                    _("The address holds a character that is not allowed."),
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        before = _signed_in(request)  # a logout or an idle timeout ends the session
        response = self.get_response(request)
        if getattr(response, "public_cache", False) is True:
            return response
        if before or _signed_in(request):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
            response["Pragma"] = "no-cache"
        return response
