from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from passerelle import policy

from . import boundaries as shapes
from .models import Area

# A year, the longest a cache is asked to keep anything; the URL changes with the content.
FOREVER = 365 * 24 * 3600


@policy.permission("area.view")
def area_list(request):
    regions = Area.objects.filter(level=1).prefetch_related("children").order_by("pcode")
    return render(request, "geography/area_list.html", {"regions": regions})


@policy.permission("area.view")
@require_safe
def boundaries(request, level: int, digest: str):
    """The simplified boundaries of one admin level (geography.boundaries). Public geography,
    the same for every user and built from `Area` only, so any cache may keep it: the digest in
    the URL changes whenever the boundaries do; an old digest is sent to the current one."""
    if level not in shapes.LEVELS:
        return HttpResponse(status=404)
    current = shapes.for_level(level)
    if digest != current.digest:
        return redirect(current.url)  # a page rendered before boundaries were reloaded
    etag = f'"{current.digest}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(current.gzipped, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(current.body, content_type="application/geo+json")
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = f"public, max-age={FOREVER}, immutable"
    response.public_cache = True  # core.middleware.NoStoreMiddleware leaves it cacheable
    # A response any cache may keep must not carry the session cookie: the idle-timeout
    # middleware's "last seen" mark is not saved for this fetch (the page that asked for the
    # boundaries has just saved it), so no Set-Cookie goes out with it.
    request.session.modified = False
    return response
