"""No input produces a server error: every page reachable by GET, opened by a powerful user of
the owning organisation, is fed hostile values in every GET parameter it reads.

The parameters of a page are the names of its form fields and the `?name=` of its links (read
from the HTML it renders), plus a fixed list of the names Passerelle's pages use. Each page
gets every hostile value in all its parameters at once, then each parameter alone with a value
taken in turn from the list (a sample, so the walk stays well under a minute). A 5xx, or an
exception escaping a view, fails the test; 400 or the value left aside are both fine.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
import uuid
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from testkit import walk

from passerelle.accounts.tests.factories import MembershipFactory, UserFactory
from passerelle.coordination.models import ActionPoint, Body, EngagementRisk, Meeting
from passerelle.coordination.tests.training_fixtures import make_training
from passerelle.core.params import int_param, local_path
from passerelle.directory.models import ActorProfile, FocalPoint, Objective, ThematicArea
from passerelle.incidents import services as incident_services
from passerelle.incidents.tests.factories import incident_factory
from passerelle.policy.purposes import Purpose
from passerelle.policy.roles import ROLES
from passerelle.referrals.models import NeedKind, Pathway
from passerelle.referrals.services import create_referral
from passerelle.referrals.tests.factories import service_factory
from passerelle.sharing import services as sharing_services
from passerelle.sharing.tests.factories import protocol_factory

pytestmark = pytest.mark.django_db

FIXED = (
    "page q region cercle area period start end status next lang sort box format theme year month"
).split()
HOSTILE = [
    "'",
    "0x",
    "-1",
    "99999999999999999999",
    "2026-13-45",
    "../../etc/passwd",
    "%00",
    "\x00",
    "<script>alert(1)</script>",
    "é" * 500,
    "[]",
    "1e309",
    "NaN",
    str(uuid.UUID(int=0x1234)),  # a uuid no record has
]
SKIP = {"set_language", "accounts:logout"}  # not pages; logging out would end the walk
ROUTES = [r for r in walk() if not r.is_admin and r.name and r.name not in SKIP]

# route name -> which of the records below fills its <uuid:public_id>
RECORD_OF = {
    "incidents:person": "person",
    "incidents:person_edit": "person",
    "incidents:consent_record": "person",
    "incidents:consent_withdraw": "consent",
    "referrals:need_record": "person",
    "referrals:create": "person",
    "referrals:service_detail": "service",
    "referrals:service_edit": "service",
    "directory:focal_point_edit": "focal_point",
    "directory:focal_point_end": "focal_point",
    "directory:profile_edit": "profile",
    "sharing:received_detail": "received",
    "sharing:revoke": "received",
    "referrals:detail": "referral",
    "referrals:move": "referral",
    "referrals:follow_up": "referral",
    "coordination:meeting_detail": "meeting",
    "coordination:action_point_update": "action_point",
}
RECORD_BY_PREFIX = {
    "incidents:": "incident",
    "sharing:share": "incident",
    "sharing:break_glass": "incident",
    "sharing:protocol_": "protocol",
    "coordination:training_": "training",
    "coordination:risk_": "risk",
    "coordination:body_": "body",
    "coordination:membership_": "body",
    "coordination:meeting_create": "body",
    "coordination:action_point_add": "body",
    "directory:objective_": "objective",
    "inforequests:": "request",
    "referrals:pathway_": "pathway",
}


def _record_for(name: str) -> str | None:
    if name in RECORD_OF:
        return RECORD_OF[name]
    return next((kind for p, kind in RECORD_BY_PREFIX.items() if name.startswith(p)), None)


@pytest.fixture
def powerful(org, other_org, monitor, incident, person, areas, user_with_role):
    """A user holding every role of `org`, named on its incident, and one record of each kind
    a page names by public id."""
    user = UserFactory(username="drc.everything")
    for role in ROLES:
        MembershipFactory(user=user, organisation=org, role=role)
    incident.need_to_know.add(user)
    consent = incident_services.record_consent(monitor, person, scope="referral", given=True)
    theme = ThematicArea.objects.order_by("pk").first()
    from passerelle.inforequests import services as request_services

    request = request_services.file_request(
        user,
        asker=org,
        addressee=other_org,
        kind="information",
        thematic_area=theme,
        data_category="",
        level=1,
        purpose=Purpose.ANALYSIS,
        area=areas["ML07"],
        period_start=None,
        period_end=None,
        subject="Déplacements vers Gao",
        body="Merci de partager les chiffres par cercle.",
    )
    records = {
        "incident": incident,
        "person": person,
        "consent": consent,
        "request": request,
        "protocol": protocol_factory(
            {org: "cluster_member", other_org: "cluster_member"},
            [("cluster_member", "*", 2, [Purpose.ANALYSIS])],
        ),
        "service": service_factory(org, areas=[areas["ML07"]]),
        "training": make_training(org, areas["ML0506"]),
        "objective": Objective.objects.create(code="OS1", title_fr="Objectif", title_en="Goal"),
        "focal_point": FocalPoint.objects.create(
            organisation=org,
            thematic_area=theme,
            name="Awa Traoré",
            since=dt.date.today() - dt.timedelta(days=10),
        ),
        "body": Body.objects.create(
            name="Cluster Protection", acronym="CP", kind="cluster", place=areas["ML09"], chair=org
        ),
    }
    records["risk"] = EngagementRisk.objects.create(
        organisation=org,
        title="Perception",
        principle="neutrality",
        likelihood=3,
        impact=4,
        next_review=dt.date.today() + dt.timedelta(days=90),
    )
    records["meeting"] = Meeting.objects.create(
        body=records["body"], held_on=dt.date.today(), title="Réunion mensuelle"
    )
    records["action_point"] = ActionPoint.objects.create(
        body=records["body"],
        meeting=records["meeting"],
        text="Partager la cartographie",
        owner=org,
        due_on=dt.date.today() + dt.timedelta(days=14),
    )
    records["pathway"] = Pathway.objects.create(area=areas["ML07"], need=NeedKind.GBV_SURVIVOR)
    records["profile"] = ActorProfile.objects.create(organisation=org)
    partner_monitor = user_with_role("monitor", other_org)
    shared = incident_factory(partner_monitor, area=areas["ML0701"], classification=2)
    records["received"] = sharing_services.share_incident(
        user_with_role("org_admin", other_org),
        shared,
        protocol=records["protocol"],
        recipient=org,
        purpose=Purpose.ANALYSIS,
        level=2,
    )
    records["referral"] = create_referral(
        user, person, records["service"], level=2, summary="Soutien psychosocial"
    )
    return user, records


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
NAME = re.compile(r"""<(?:input|select|textarea)\b[^>]*\bname=["']([^"']+)["']""", re.I)
LINK = re.compile(r"""(?:href|hx-get|action)=["']([^"']*\?[^"']*)["']""", re.I)
POST = re.compile(r"""method=["']?post""", re.I)
FORMSET_ROW = re.compile(r"-([1-9]\d*)-")  # form-3-name: the first row stands for the rest


def parameters_of(html: str, path: str = "") -> tuple[set[str], set[str]]:
    """(the names a GET of this page may read: its GET forms' fields and the query of its
    links to itself; the fields of its POST forms)."""
    read, posted = set(), set()
    for attributes, body in FORM.findall(html):
        (posted if POST.search(attributes) else read).update(NAME.findall(body))
    for link in LINK.findall(html):
        parts = urlsplit(unescape(link))
        if parts.path in ("", path):
            read |= {k for k, _v in parse_qsl(parts.query, True)}
    ignore = {"csrfmiddlewaretoken"}
    return (
        {n for n in read if n not in ignore and not FORMSET_ROW.search(n)},
        {n for n in posted if n not in ignore and not FORMSET_ROW.search(n)},
    )


def _pages(records):
    for route in ROUTES:
        if not route.kwargs:
            yield route, route.url()
        elif route.kwargs == ("public_id",):
            kind = _record_for(route.name)
            obj = records.get(kind) if kind else None
            yield route, route.url(public_id=obj.public_id if obj else uuid.uuid4())


def _get(client, url, params, failures, what):
    try:
        response = client.get(url, params)
    except Exception:  # a view's exception, re-raised by the test client
        failures.append(f"{what}: {traceback.format_exc(limit=-3)}")
        return None
    if response.status_code >= 500:
        failures.append(f"{what}: {response.status_code}")
    return response


def test_the_parameter_reader_finds_fields_and_links():
    html = (
        '<form method="get"><input name="q"><select name="region"></select></form>'
        '<form method="post"><input type="hidden" name="csrfmiddlewaretoken">'
        '<textarea name="note"></textarea><input name="form-0-x"><input name="form-1-x"></form>'
        '<a href="?page=2&amp;sort=date">2</a><a hx-get="/incidents/areas/?cercle=">x</a>'
        '<a href="/here/?box=sent">sent</a>'
    )
    assert parameters_of(html, "/here/") == (
        {"q", "region", "page", "sort", "box"},
        {"note", "form-0-x"},
    )


ROUNDS = 4  # requests giving every parameter a hostile value at once


def test_no_hostile_get_parameter_makes_a_server_error(powerful, client_for):
    user, records = powerful
    client = client_for(user)
    failures, opened, tried = [], [], 0
    for route, url in _pages(records):
        response = _get(client, url, {}, failures, f"{route.name} {url}")
        if response is None or response.status_code not in (200, 302, 400):
            continue
        if response.status_code == 200:
            opened.append(route.name)
            assert "no-store" in response.get("Cache-Control", ""), route.name
        html = (
            response.content.decode(errors="replace") if "html" in response["Content-Type"] else ""
        )
        read, posted = parameters_of(html, urlsplit(url).path)
        names = sorted(read | posted | set(FIXED))
        shift = len(route.name)
        for i in range(ROUNDS):  # every name at once, each with its own value of the list
            params = {n: HOSTILE[(shift + i * 2 + j) % len(HOSTILE)] for j, n in enumerate(names)}
            tried += 1
            _get(client, url, params, failures, f"{route.name} all={params!r}"[:300])
        for j, name in enumerate(sorted(read)):  # what the page itself reads, one at a time
            value = HOSTILE[(shift + j) % len(HOSTILE)]
            tried += 1
            _get(client, url, {name: value}, failures, f"{route.name} {name}={value[:20]!r}")
    assert len(opened) > 70, opened  # the walk reached the application's pages
    record_pages = {
        "incidents:detail",
        "incidents:person",
        "sharing:protocol_detail",
        "referrals:detail",
        "referrals:pathway_detail",
        "inforequests:detail",
        "coordination:meeting_detail",
        "coordination:risk_detail",
        "coordination:training_detail",
        "directory:objective_detail",
    }
    assert record_pages <= set(opened), record_pages - set(opened)
    assert tried > 400, tried
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_the_area_options_answer_an_unknown_region_with_no_options(value, client_as):
    response = client_as("monitor").get(reverse("incidents:area_options"), {"region": value})
    assert response.status_code in (200, 400)


ODD_STATIC = [
    "/static/../manage.py",
    "/static/%2e%2e/",
    "/static/css/../../../etc/passwd",
    "/static/..%2f..%2fetc/passwd",
    "/static/%00",
    "/static/\x00",
    "/static/" + "é" * 300,
    "/static/%ff",
    "/static//etc/passwd",
]


def _static_status(handler, path: str) -> int:
    from wsgiref.util import setup_testing_defaults

    environ = {"PATH_INFO": path.encode().decode("latin-1")}
    setup_testing_defaults(environ)
    status = []
    body = handler(environ, lambda line, headers, *rest: status.append(line))
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def test_the_development_server_answers_odd_static_paths_without_a_server_error():
    from django.core.management import get_commands, load_command_class

    assert get_commands()["runserver"] == "passerelle.core"
    command = load_command_class("passerelle.core", "runserver")
    handler = command.get_handler(use_static_handler=True, insecure_serving=True)
    assert _static_status(handler, "/static/css/passerelle.css") == 200
    for path in ODD_STATIC:
        assert _static_status(handler, path) in (400, 404), path


# --------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", 0),
        ("-1", None),
        ("0x", None),
        ("1e3", None),
        ("", None),
        ("99999999999999999999", None),
        ("2147483648", None),
        ("١٢", None),
        ("NaN", None),
    ],
)
def test_int_param_answers_the_default_for_anything_but_a_small_whole_number(raw, expected):
    assert int_param({"n": raw}, "n") == expected


@given(st.text(max_size=60))
def test_local_path_is_a_path_on_this_site_or_the_default(url):
    found = local_path(url, "/home/")
    assert found in (url, "/home/")
    if found == url:
        assert url.startswith("/") and not url.startswith(("//", "/\\"))
        assert not any(ord(c) < 32 or ord(c) == 127 for c in url)


@pytest.mark.parametrize("value", ["NaN", "evil", "//evil.test", "/\\evil", "/a\x07b", "é" * 50])
def test_the_two_factor_pages_ignore_a_next_that_is_not_a_local_path(value, client_as):
    client = client_as("org_admin")  # verified already: the page sends the user on
    response = client.get(reverse("accounts:otp_verify"), {"next": value})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    response = client.get(reverse("accounts:otp_verify"), {"next": "/incidents/?page=2"})
    assert response["Location"] == "/incidents/?page=2"


def test_a_nul_byte_in_the_query_string_is_refused_before_any_view(client_as):
    client = client_as("org_admin")
    for query in ({"area": "\x00"}, {"a\x00": "1"}, {"q": "Gao\x00"}):
        response = client.get(reverse("referrals:service_export_xlsx"), query)
        assert response.status_code == 400
        assert "not allowed" in response.content.decode()
    assert client.get(reverse("referrals:service_export_xlsx"), {"area": "ML07"}).status_code == 200


def test_the_public_pages_take_hostile_parameters_from_anyone(client):
    failures = []
    for name in ("accounts:login", "core:health"):
        for value in HOSTILE:
            params = dict.fromkeys(FIXED, value)
            _get(client, reverse(name), params, failures, f"{name} all={value[:20]!r}")
    assert not failures, "\n".join(failures)
