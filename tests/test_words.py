"""Words a person reads: notifications worded when shown, in the reader's language; names of
organisations, services, bodies and protocols in the reader's language; plurals."""

import pytest
from django.core import mail
from django.utils import translation

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core import notify
from passerelle.core.models import Notification

pytestmark = pytest.mark.django_db


def _referral_received(user):
    return Notification.objects.create(
        recipient=user,
        kind="referral.received",
        params={
            "sender": "DRC",
            "service": notify.bilingual("Soutien psychosocial – Gao", "Psychosocial support – Gao"),
            "reference": "RF-2026-0001",
            "urgency": "routine",
        },
    )


def test_one_stored_notification_is_worded_in_each_readers_language(user_with_role):
    n = _referral_received(user_with_role("case_worker"))
    with translation.override("en"):
        english = notify.render(n.kind, n.params)
    with translation.override("fr"):
        french = notify.render(n.kind, n.params)
    assert "Psychosocial support – Gao" in english and "Routine" in english
    assert "Normale" not in english
    assert "Soutien psychosocial – Gao" in french
    assert english != french


@pytest.mark.parametrize(
    ("kind", "code"),
    [("request.declined", "capacity"), ("referral.declined", "insufficient_info")],
)
def test_a_decline_reason_is_worded_by_the_family_of_the_notification(kind, code):
    """Requests and referrals each have their own decline reasons: neither shows a raw code."""
    from passerelle.inforequests.models import DeclineReason as RequestReason
    from passerelle.referrals.models import DeclineReason as ReferralReason

    choices = RequestReason if kind.startswith("request") else ReferralReason
    params = {"reference": "X-1", "addressee": "UNHCR", "provider": "DRC", "decline_reason": code}
    with translation.override("en"):
        text = notify.render(kind, params)
        label = str(choices(code).label)
    assert f": {code}." not in text
    assert text.endswith(f": {label}.")


def test_dates_are_worded_in_the_readers_format():
    params = {"reference": "RQ-1", "asker": "OCHA", "due": "2026-12-04"}
    with translation.override("en"):
        assert "2026-12-04" not in notify.render("request.received", params)
    with translation.override("fr"):
        assert "4 décembre 2026" in notify.render("request.received", params)


def test_each_mail_is_worded_in_its_recipients_language(user_with_role, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    english = user_with_role("case_worker", email="en@example.org", language="en")
    french = user_with_role("case_worker", email="fr@example.org", language="fr")
    for user in (english, french):
        n = _referral_received(user)
        notify._send_one(notify.OutgoingMail.objects.create(notification=n))
    by_address = {m.to[0]: m.body for m in mail.outbox}
    assert "Psychosocial support – Gao" in by_address["en@example.org"]
    assert "Soutien psychosocial – Gao" in by_address["fr@example.org"]


def test_the_migration_puts_the_urgency_words_back_to_a_code(user_with_role):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("passerelle.core.migrations.0007_notification_words")
    user = user_with_role("case_worker")
    stored = Notification.objects.create(
        recipient=user,
        kind="referral.received",
        params={"reference": "RF-1", "urgency": "Normale", "sender": "DRC", "service": "S"},
    )
    migration.words_to_codes(apps, None)
    stored.refresh_from_db()
    assert stored.params["urgency"] == "routine"
    with translation.override("en"):
        assert "Routine" in notify.render(stored.kind, stored.params)


def test_the_notifications_page_words_a_row_in_the_readers_language(user_with_role, client_for):
    user = user_with_role("case_worker")
    _referral_received(user)
    english = client_for(user, "en").get("/sharing/notifications/").content.decode()
    french = client_for(user, "fr").get("/sharing/notifications/").content.decode()
    assert "Psychosocial support – Gao" in english
    assert "Soutien psychosocial – Gao" in french


# --------------------------------------------------------------------------- names


def test_an_organisation_is_named_in_the_readers_language():
    org = OrganisationFactory(
        acronym="UNHCR",
        name="Haut Commissariat des Nations Unies pour les réfugiés",
        name_en="Office of the United Nations High Commissioner for Refugees",
    )
    with translation.override("en"):
        assert org.display_name.startswith("Office of the United Nations")
    with translation.override("fr"):
        assert org.display_name.startswith("Haut Commissariat")
    org.name_en = ""
    with translation.override("en"):
        assert org.display_name.startswith("Haut Commissariat")  # no English name: the French


def test_bodies_services_and_protocols_have_both_names(org, areas):
    from passerelle.coordination.models import Body
    from passerelle.referrals.models import Service
    from passerelle.sharing.models import Protocol

    body = Body(name="Sous-cluster Protection de l'enfance", name_en="Child Protection AoR")
    service = Service(name="Soutien psychosocial", name_en="Psychosocial support", provider=org)
    protocol = Protocol(reference="PC-1", title="Protocole d'échange", title_en="Sharing protocol")
    with translation.override("en"):
        assert (body.display_name, service.display_name) == (
            "Child Protection AoR",
            "Psychosocial support",
        )
        assert str(protocol) == "PC-1 – Sharing protocol"
        assert str(service) == "Psychosocial support (DRC)"
    with translation.override("fr"):
        assert body.display_name == "Sous-cluster Protection de l'enfance"
        assert str(protocol) == "PC-1 – Protocole d'échange"


def test_the_service_page_shows_the_name_in_the_readers_language(org, areas, client_as):
    from passerelle.referrals.models import Service

    service = Service.objects.create(
        code="DRC-GAO-PSS-01",
        name="Soutien psychosocial – Gao",
        name_en="Psychosocial support – Gao",
        provider=org,
        service_type="psychosocial_service",
    )
    service.areas.set([areas["ML07"]])
    url = f"/referrals/services/{service.public_id}/"
    english = client_as("case_worker", language="en").get(url)
    french = client_as("case_worker", language="fr").get(url)
    assert english.status_code == 200, english.status_code
    assert "Psychosocial support – Gao" in english.content.decode()
    assert "Soutien psychosocial – Gao" in french.content.decode()


def test_the_service_mapping_carries_the_english_name_in_its_own_column():
    from passerelle.referrals.mapping import column_for_tag

    assert column_for_tag("#service+name")[0].key == "name"
    assert column_for_tag("#service+name+i_en")[0].key == "name_en"
    assert column_for_tag("#service +name +i_en")[0].key == "name_en"


def test_no_translatable_message_counts_with_a_parenthesised_plural():
    """'3 protocol(s)' cannot be said in French: counts go through ngettext or
    {% blocktranslate count %}."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    message = re.compile(r"""(?:_|gettext|gettext_lazy|translate)\(?\s*["'][^"']*\w\(s\)""")
    found = []
    for path in [*root.glob("passerelle/**/*.py"), *root.glob("templates/**/*.html")]:
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        found += [
            f"{path.relative_to(root)}:{i}"
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if message.search(line)
        ]
    assert not found, found


def test_switching_language_keeps_it_for_the_users_mail(user_with_role, client_for):
    user = user_with_role("viewer", language="fr")
    client_for(user, "fr").post("/i18n/setlang/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    assert notify.language_of(user) == "en"
