"""A bounded walk of the pages a person reaches from their home page by following links, used
by the phone and accessibility checks (test_phones.py, test_accessibility.py).

One page per URL pattern: a link whose pattern (Django's resolver `view_name`) was already
visited is not followed again, so the walk costs one page load per page type. Downloads
(spreadsheets, CSV, PDF, boundaries), htmx fragments, the admin site and "log out" are not
followed. Several people walk one after the other with one shared record of what was seen, so
each pattern is checked once, by the first role that reaches it; the next roles still open their
own home and navigation, where their role-specific pages start.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

from passerelle.demo.loader import DEMO_PASSWORD
from passerelle.demo.otp import demo_code

# Pieces of a path never followed: downloads, fragments, actions without a page.
SKIPPED = (
    "export",
    ".xlsx",
    ".csv",
    ".json",
    "/pdf/",
    "/logout/",
    "/admin/",
    "/i18n/",
    "/areas/boundaries/",
    "/keep-alive/",
    "/api/",  # the REST API: JSON, and its docs page is Swagger UI's own, not the site's
)
# Routes answered with a fragment or a file whatever their path looks like.
SKIPPED_NAMES = {
    "incidents:area_options",
    "inforequests:suggest",
    "sharing:share_guidance",
    "core:health",
}

# The demo accounts whose navigation the walks follow, one per main role (passerelle/demo); a
# provider's case worker and a mission focal point were tried too and reached no other page type.
MAIN_ROLES = (
    "drc.monitor",
    "drc.verifier",
    "drc.viewer",
    "drc.case_worker",
    "drc.im_officer",
    "unhcr.focal_point",
    "drc.admin",
    "hrd.viewer",
    "sysadmin",
)


@dataclass
class Visit:
    username: str
    pattern: str
    path: str
    status: int
    seconds: float = 0.0


@dataclass
class Walk:
    visits: list[Visit] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    seconds: float = 0.0
    reopened: int = 0  # pages opened again for their links only
    reopen_seconds: float = 0.0


def pattern_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if "admin" in match.namespaces or match.view_name in SKIPPED_NAMES:
        return None
    return match.view_name


def _names_a_record(path: str) -> bool:
    return bool(resolve(urlsplit(path).path).kwargs)


def log_in(page, base_url: str, username: str) -> None:
    """Log a demo account in (password, then the demo's two-factor code when asked)."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    if "/two-factor/verify/" in page.url:
        page.fill("input[name=code]", demo_code())
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    assert "/accounts/" not in urlsplit(page.url).path, f"{username} could not log in"


def _links(page, base_url: str) -> list[str]:
    return _kept(page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"), base_url)


HREF = re.compile(r"""<a\s[^>]*?href=["']([^"']+)["']""", re.IGNORECASE)


def _links_in(response, base_url: str) -> list[str]:
    if "text/html" not in response.headers.get("content-type", ""):
        return []
    hrefs = [urljoin(response.url, unescape(h)) for h in HREF.findall(response.text())]
    return _kept(hrefs, base_url)


def _kept(hrefs: Iterable[str], base_url: str) -> list[str]:
    origin = urlsplit(base_url).netloc
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc != origin or any(piece in parts.path for piece in SKIPPED):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def walk(
    browser_context_factory: Callable[[], object],
    base_url: str,
    usernames: Iterable[str],
    check: Callable[[object, Visit], None],
    *,
    state: Walk | None = None,
    start: Iterable[str] = ("/",),
    lists_again: bool = True,
) -> Walk:
    """Each person logs in in a fresh context and walks from `start`; `check(page, visit)` runs
    once on every page type not seen before (HTML answers only)."""
    state = state or Walk()
    began = time.perf_counter()
    for username in usernames:
        context = browser_context_factory()
        page = context.new_page()
        page.set_default_timeout(20000)
        log_in(page, base_url, username)
        todo = list(start)
        queued = set(todo)
        opened = set()  # patterns this person opened
        while todo:
            path = todo.pop(0)
            pattern = pattern_of(urlsplit(path).path)
            if pattern is None or pattern in opened:
                continue
            new = pattern not in state.seen
            # A page type checked for someone else is opened again only for its links when it
            # is a start page or a list (no record in its address): role-specific pages
            # start there. Records already seen are not opened again.
            if not new and path not in start and (not lists_again or _names_a_record(path)):
                continue
            opened.add(pattern)
            state.seen.add(pattern)
            t = time.perf_counter()
            if new:
                response = page.goto(base_url + path)
                if response is None or "text/html" not in response.headers.get("content-type", ""):
                    continue
                visit = Visit(username, pattern, path, response.status)
                check(page, visit)
                visit.seconds = time.perf_counter() - t
                state.visits.append(visit)
                links = _links(page, base_url)
            else:
                # Only its links are needed: fetched with the person's cookies, not rendered.
                state.reopened += 1
                links = _links_in(context.request.get(base_url + path), base_url)
                state.reopen_seconds += time.perf_counter() - t
            for link in links:
                link_pattern = pattern_of(urlsplit(link).path)
                if link_pattern and link_pattern not in opened and link not in queued:
                    queued.add(link)
                    todo.append(link)
        context.close()
    state.seconds += time.perf_counter() - began
    return state
