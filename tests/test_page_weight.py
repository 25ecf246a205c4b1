"""The map pages stay light on a 2G connection (issue 11, "Pages in the field").

First load: the HTML and every same-origin resource it loads (stylesheets, scripts, the
boundaries areamap.js fetches) at most 250 kB, uncompressed. Second load: the boundaries come
from the browser's cache (immutable, revalidated with 304 at worst), so only the page itself
travels again. Static files are counted from the files the page names (served by WhiteNoise
with hashed names and a long cache in production).
"""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from passerelle.geography.models import Area

pytestmark = pytest.mark.django_db

BUDGET = 250_000
PAGES = [
    "/referrals/gaps/",
    "/referrals/gaps/?colour=unreferred",
    "/referrals/services/map/",
    "/referrals/services/map/?region=ML10",
    "/coordination/trainings/map/",
    "/coordination/trainings/map/?level=region",
]
STATIC = re.compile(
    r'<(?:link[^>]*\brel="stylesheet"[^>]*\bhref|script[^>]*\bsrc)="(/static/[^"]+)"'
)
MAP_DATA = re.compile(r'<script id="[^"]+-data" type="application/json">(.*?)</script>', re.S)


def first_load(client: Client, url: str) -> tuple[dict[str, int], list[str]]:
    """Resource → bytes for one visit with an empty cache, and the boundaries' URLs."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    weights = {url: len(response.content)}
    for ref in STATIC.findall(html):
        path = finders.find(ref.removeprefix("/static/"))
        assert path, ref
        with open(path, "rb") as handle:
            weights[ref] = len(handle.read())
    fetched = []
    for block in MAP_DATA.findall(html):
        for address in json.loads(block)["boundaries"]:
            shapes = client.get(address)
            assert shapes.status_code == 200
            assert "immutable" in shapes["Cache-Control"]
            weights[address] = len(shapes.content)
            fetched.append((address, shapes["ETag"]))
    return weights, fetched


@pytest.mark.parametrize("url", PAGES)
def test_a_map_page_weighs_at_most_250_kb_and_less_the_second_time(areas, client_as, url):
    client = client_as("viewer", language="fr")
    weights, fetched = first_load(client, url)
    total = sum(weights.values())
    assert fetched, "the map names its boundaries"
    assert total <= BUDGET, weights

    # Second load: the page again; the boundaries are kept (a revalidation gets no body).
    page = client.get(url)
    second = len(page.content)
    for address, etag in fetched:
        again = client.get(address, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        second += len(again.content)
    boundaries = sum(weights[address] for address, _etag in fetched)
    assert second < total - boundaries


def test_every_cercle_is_drawn_ménaka_included(areas, client_as):
    response = client_as("viewer").get("/referrals/services/map/")
    gap_map = response.context["map"]
    assert gap_map["without_boundary"] == []
    assert {a["p"] for a in gap_map["data"]["areas"]} == set(
        Area.objects.filter(level=2).values_list("pcode", flat=True)
    )
    assert [a.pcode for a in gap_map["approximate"]] == ["ML1001", "ML1002", "ML1003", "ML1004"]
    html = response.content.decode()
    assert "Not drawn" not in html
    assert "Approximate boundaries, derived from the former Ménaka cercle" in html


def test_the_service_map_table_gives_the_maps_figures_without_javascript(areas, client_as):
    response = client_as("viewer").get("/referrals/services/map/", {"region": "ML10"})
    values = response.context["map"]["values"]
    table = {row.area.pcode: count for row, _link, count in response.context["coverage"]}
    assert table == {pcode: int(value["t"]) for pcode, value in values.items()}
    assert len(table) == 4
    assert "Active services</th>" in response.content.decode()
