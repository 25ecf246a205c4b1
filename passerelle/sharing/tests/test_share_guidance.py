"""The share form guides before it refuses: the record's owner is not offered as a recipient,
named recipients are the chosen organisation's people who may hold identities (others refused
by validation, without JavaScript too), what the protocol allows for the chosen recipient and
this record is shown before submitting (computed by `services.assess_share`), and a record no
partner may receive says so and points to the statistics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core.guard import unscoped
from passerelle.incidents import services as incident_services
from passerelle.policy.purposes import Purpose
from passerelle.sharing import guidance
from passerelle.sharing.models import Disclosure, PartyRole

from .factories import protocol_factory
from .test_sharing import hrd, sharer, summary  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def protocol(org, hrd, other_org, areas):  # noqa: F811
    """DRC, HRD (up to level 3, verification) and AMSS (cluster member: level 2, analysis)."""
    return protocol_factory(
        {
            org: PartyRole.CLUSTER_MEMBER,
            hrd: PartyRole.MISSION_HUMAN_RIGHTS,
            other_org: PartyRole.GBV_PROVIDER,
        },
        [
            (PartyRole.MISSION_HUMAN_RIGHTS, "*", 3, [Purpose.VERIFICATION]),
            (PartyRole.GBV_PROVIDER, "*", 2, [Purpose.ANALYSIS]),
        ],
        areas=[areas["ML07"]],
    )


@pytest.fixture
def page(client_for, sharer, summary):  # noqa: F811
    client = client_for(sharer)
    url = reverse("sharing:share", kwargs={"public_id": summary.public_id})
    return client, url


def options(response, name):
    form = response.context["form"]
    return list(form.fields[name].queryset)


def test_the_owner_is_not_offered_as_a_recipient(page, protocol, org, hrd, other_org):  # noqa: F811
    client, url = page
    response = client.get(url)
    assert set(options(response, "recipient")) == {hrd, other_org}
    assert options(response, "recipient_user") == []  # no recipient chosen yet


def test_named_recipients_are_the_chosen_organisation_identity_holders(
    page,
    protocol,
    hrd,  # noqa: F811
    other_org,
    user_with_role,
    summary,  # noqa: F811
):
    client, url = page
    officer = user_with_role("monitor", hrd, first_name="Officier", last_name="Droits")
    reader = user_with_role("viewer", hrd, first_name="Lecteur")
    stranger = user_with_role("monitor", other_org, first_name="Etranger")
    guided = reverse("sharing:share_guidance", kwargs={"public_id": summary.public_id})
    response = client.post(guided, {"protocol": protocol.pk, "recipient": hrd.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert officer.display_name in html
    assert reader.display_name not in html  # a viewer cannot hold identities
    assert stranger.display_name not in html  # another organisation's people
    # without JavaScript: naming someone of another organisation is refused by validation
    response = client.post(
        url,
        {
            "protocol": protocol.pk,
            "recipient": hrd.pk,
            "purpose": Purpose.VERIFICATION,
            "level": 2,
            "recipient_user": stranger.pk,
        },
    )
    assert response.status_code == 200
    assert "recipient_user" in response.context["form"].errors
    with unscoped():
        assert not Disclosure.objects.exists()


def test_what_the_protocol_allows_shows_before_submitting(page, protocol, hrd, other_org, summary):  # noqa: F811
    client, url = page
    guided = reverse("sharing:share_guidance", kwargs={"public_id": summary.public_id})
    html = client.post(guided, {"protocol": protocol.pk, "recipient": other_org.pk}).content
    html = html.decode()
    assert "may receive this record at level 2 at most" in html
    assert str(Purpose.ANALYSIS.label) in html
    # the page lists every partner and its ceiling; nothing is shared or audited as a share
    html = client.get(url).content.decode()
    assert f"{other_org} under protocol {protocol.reference}: up to level 2" in html
    with unscoped():
        assert not Disclosure.objects.exists()


def test_without_javascript_the_preview_button_shows_the_guidance(page, protocol, hrd):  # noqa: F811
    client, url = page
    response = client.post(
        url, {"protocol": protocol.pk, "recipient": hrd.pk, "preview": "1", "note": "x"}
    )
    assert response.status_code == 200
    assert response.context["guidance"].recipient == hrd
    assert response.context["guidance"].levels == [2]  # level 3 needs consent nobody gave
    assert "may receive this record at level 2 at most" in response.content.decode()
    with unscoped():
        assert not Disclosure.objects.exists()


def test_the_guidance_agrees_with_the_share_service(sharer, summary, protocol, hrd, other_org):  # noqa: F811
    """Each level the guidance offers is accepted by the service, the next one refused."""
    from passerelle.sharing import services

    for recipient in (hrd, other_org):
        option = guidance.option(sharer, summary, protocol=protocol, recipient=recipient)
        for level in option.levels:
            reasons, _codes, _b = services.assess_share(
                sharer,
                summary,
                protocol=protocol,
                recipient=recipient,
                purpose=protocol.rule(protocol.party_roles(recipient), "pm").purposes[0],
                level=level,
            )
            assert reasons == []
        if option.highest < 4:
            reasons, _codes, _b = services.assess_share(
                sharer,
                summary,
                protocol=protocol,
                recipient=recipient,
                purpose=Purpose.VERIFICATION,
                level=option.highest + 1,
            )
            assert reasons


def test_a_record_nobody_may_receive_says_so_and_points_to_statistics(
    page,
    protocol,
    monitor,
    summary,  # noqa: F811
):
    client, url = page
    # level 3: no consent recorded for HRD, and AMSS receives level 2 at most
    incident_services.update_incident(monitor, summary, classification=3)
    html = client.get(url).content.decode()
    assert "This record cannot be shared with any partner" in html
    assert reverse("sharing:aggregates") in html
    assert 'name="preview"' not in html  # no form to fill in vain


def test_without_protocol_the_page_points_to_statistics(page):
    client, url = page
    html = client.get(url).content.decode()
    assert "party to no protocol in force" in html
    assert reverse("sharing:aggregates") in html


def test_the_guidance_is_refused_to_others(client_as, summary, protocol):  # noqa: F811
    guided = reverse("sharing:share_guidance", kwargs={"public_id": summary.public_id})
    outsider = client_as("verifier", OrganisationFactory(acronym="OUT"))
    assert outsider.post(guided, {"protocol": protocol.pk}).status_code == 404
    assert client_as("viewer").post(guided, {}).status_code == 403
    member = client_as("case_worker")
    assert member.get(guided).status_code == 405
