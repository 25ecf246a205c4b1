"""Directory writes: who may write what (own organisation, another, the IM officer, a viewer),
the rules of a focal point, objectives with their components and notes, actor profiles; every
write and every refusal audited."""

from __future__ import annotations

import datetime as dt

import pytest

from passerelle.accounts.tests.factories import MembershipFactory, UserFactory
from passerelle.core.errors import DomainError
from passerelle.core.models import AuditEvent

from .. import services
from ..models import ActorProfile, FocalPoint, Objective, ObjectiveComponent, ObjectiveNote

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def admin(user_with_role, org):
    return user_with_role("org_admin", org, username="drc.admin")


@pytest.fixture
def im(user_with_role, other_org):
    """An IM officer (of another organisation): keeps the whole directory."""
    return user_with_role("im_officer", other_org, username="amss.im")


def fields(org, theme, **extra):
    values = {
        "organisation": org,
        "thematic_area": theme("child_protection"),
        "name": "Mariam Touré",
        "title": "Child protection officer",
        "email": "m.toure@drc.test",
        "since": dt.date(2013, 3, 1),
    }
    values.update(extra)
    return values


# --------------------------------------------------------------------------- who may write


def test_an_org_admin_names_its_own_organisations_focal_points(admin, org, theme, areas):
    fp = services.save_focal_point(
        admin, None, fields=fields(org, theme), areas=[areas["ML07"], areas["ML0601"]]
    )
    assert fp.organisation == org
    assert sorted(a.pcode for a in fp.areas.all()) == ["ML0601", "ML07"]
    event = AuditEvent.objects.get(action="focalpoint.create")
    assert event.actor == admin and event.organisation == org
    assert event.object_id == str(fp.public_id)
    assert event.detail["areas"] == ["ML0601", "ML07"]
    assert "Mariam" not in str(event.detail)  # no names in the audit log


def test_an_org_admin_may_not_touch_another_organisations_focal_points(
    admin, other_org, org, theme, make_fp
):
    with pytest.raises(services.DirectoryRefused):
        services.save_focal_point(admin, None, fields=fields(other_org, theme), areas=[])
    assert not FocalPoint.objects.exists()
    theirs = make_fp(other_org, "gbv", "AMSS GBV")
    with pytest.raises(services.DirectoryRefused):
        services.save_focal_point(admin, theirs, fields={"name": "Hijacked"}, areas=[])
    with pytest.raises(services.DirectoryRefused):
        services.end_focal_point(admin, theirs, until=dt.date.today())
    theirs.refresh_from_db()
    assert theirs.name == "AMSS GBV" and theirs.until is None
    refusals = AuditEvent.objects.filter(action="access.refused", actor=admin)
    assert refusals.count() == 3
    assert {e.detail["action"] for e in refusals} == {"focalpoint.manage"}
    assert refusals.last().object_id == str(theirs.public_id)


def test_an_org_admin_may_not_move_its_focal_point_to_another_organisation(
    admin, org, other_org, make_fp
):
    mine = make_fp(org, "gbv", "DRC GBV")
    with pytest.raises(services.DirectoryRefused):
        services.save_focal_point(admin, mine, fields={"organisation": other_org}, areas=[])
    mine.refresh_from_db()
    assert mine.organisation == org


def test_the_im_officer_manages_every_organisations_focal_points(im, org, theme, make_fp):
    fp = services.save_focal_point(im, None, fields=fields(org, theme), areas=[])
    services.save_focal_point(im, fp, fields={"title": "Senior officer"}, areas=[])
    services.end_focal_point(im, fp, until=dt.date(2014, 1, 31))
    fp.refresh_from_db()
    assert fp.title == "Senior officer" and fp.until == dt.date(2014, 1, 31)
    assert list(
        AuditEvent.objects.filter(object_id=str(fp.public_id)).values_list("action", flat=True)
    ) == ["focalpoint.create", "focalpoint.update", "focalpoint.end"]


@pytest.mark.parametrize("role", ["viewer", "monitor", "focal_point", "case_worker"])
def test_other_roles_of_the_organisation_may_not_name_focal_points(
    role, user_with_role, org, theme
):
    user = user_with_role(role, org)
    with pytest.raises(services.DirectoryRefused):
        services.save_focal_point(user, None, fields=fields(org, theme), areas=[])
    assert not FocalPoint.objects.exists()


def test_manageable_organisations(admin, im, org, other_org, user_with_role):
    assert list(services.manageable_organisations(admin)) == [org]
    assert set(services.manageable_organisations(im)) == {org, other_org}
    assert not services.manageable_organisations(user_with_role("viewer", org)).exists()


# --------------------------------------------------------------------------- rules


def test_the_end_cannot_come_before_the_start(admin, org, theme, make_fp):
    with pytest.raises(DomainError) as caught:
        services.save_focal_point(
            admin,
            None,
            fields=fields(org, theme, since=dt.date(2013, 5, 1), until=dt.date(2013, 4, 30)),
            areas=[],
        )
    assert caught.value.field == "until"
    fp = make_fp(org, "gbv", "DRC GBV", since=dt.date(2013, 5, 1))
    with pytest.raises(DomainError) as caught:
        services.end_focal_point(admin, fp, until=dt.date(2013, 4, 1))
    assert caught.value.field == "until"
    fp.refresh_from_db()
    assert fp.until is None


def test_the_user_account_must_be_an_active_member_of_the_organisation(
    admin, org, other_org, theme
):
    outsider = UserFactory(username="amss.cw")
    MembershipFactory(user=outsider, organisation=other_org, role="case_worker")
    with pytest.raises(DomainError) as caught:
        services.save_focal_point(admin, None, fields=fields(org, theme, user=outsider), areas=[])
    assert caught.value.field == "user"
    former = UserFactory(username="drc.former")
    MembershipFactory(user=former, organisation=org, role="case_worker", active=False)
    with pytest.raises(DomainError):
        services.save_focal_point(admin, None, fields=fields(org, theme, user=former), areas=[])
    member = UserFactory(username="drc.cw")
    MembershipFactory(user=member, organisation=org, role="case_worker")
    fp = services.save_focal_point(admin, None, fields=fields(org, theme, user=member), areas=[])
    assert fp.user == member
    member.is_active = False
    member.save()
    with pytest.raises(DomainError):
        services.save_focal_point(admin, fp, fields={"title": "x"}, areas=[])


def test_the_deputy_must_be_someone_else(admin, org, theme, user_with_role):
    member = user_with_role("focal_point", org, username="drc.fp")
    with pytest.raises(DomainError) as caught:
        services.save_focal_point(
            admin, None, fields=fields(org, theme, user=member, deputy=member), areas=[]
        )
    assert caught.value.field == "deputy"
    with pytest.raises(DomainError) as caught:
        services.save_focal_point(
            admin, None, fields=fields(org, theme, deputy_name=" mariam touré "), areas=[]
        )
    assert caught.value.field == "deputy_name"
    deputy = user_with_role("case_worker", org, username="drc.deputy")
    fp = services.save_focal_point(
        admin, None, fields=fields(org, theme, user=member, deputy=deputy), areas=[]
    )
    assert fp.deputy == deputy


def test_a_new_focal_point_needs_a_name_and_a_thematic_area(admin, org, theme):
    with pytest.raises(DomainError) as caught:
        services.save_focal_point(admin, None, fields=fields(org, theme, name="  "), areas=[])
    assert caught.value.field == "name"
    values = fields(org, theme)
    del values["thematic_area"]
    with pytest.raises(DomainError) as caught:
        services.save_focal_point(admin, None, fields=values, areas=[])
    assert caught.value.field == "thematic_area"
    assert not FocalPoint.objects.exists()


# --------------------------------------------------------------------------- objectives


@pytest.fixture
def objective_fields():
    return {
        "code": "OS1",
        "order": 1,
        "title_fr": "Renforcer la protection de l'enfance",
        "title_en": "Strengthen child protection",
        "description_fr": "",
        "description_en": "",
        "active": True,
    }


def test_objectives_are_kept_by_the_im_officer_only(im, admin, objective_fields, theme, hrd, cps):
    with pytest.raises(services.DirectoryRefused):
        services.save_objective(
            admin, None, fields=objective_fields, thematic_areas=[], components=[]
        )
    assert AuditEvent.objects.get(action="access.refused").detail["action"] == "directory.manage"
    objective = services.save_objective(
        im,
        None,
        fields=objective_fields,
        thematic_areas=[theme("child_protection")],
        components=[
            {"organisation": cps, "relevance": "direct", "activities": "MRM, CAAFAG"},
            {"organisation": hrd, "relevance": "indirect", "activities": " Monitoring "},
        ],
    )
    assert {
        (c.organisation.acronym, c.relevance, c.activities) for c in objective.components.all()
    } == {
        ("CPS", "direct", "MRM, CAAFAG"),
        ("HRPD", "indirect", "Monitoring"),
    }
    # the list replaces the components: HRPD removed, CPS changed
    services.save_objective(
        im,
        objective,
        fields={"active": False},
        thematic_areas=[],
        components=[{"organisation": cps, "relevance": "indirect", "activities": ""}],
    )
    assert list(ObjectiveComponent.objects.values_list("organisation__acronym", "relevance")) == [
        ("CPS", "indirect")
    ]
    objective.refresh_from_db()
    assert not objective.active and not objective.thematic_areas.exists()
    assert AuditEvent.objects.filter(action__startswith="objective.").count() == 2


def test_an_objective_code_is_unique_and_a_component_listed_once(im, objective_fields, cps):
    services.save_objective(im, None, fields=objective_fields, thematic_areas=[], components=[])
    with pytest.raises(DomainError) as caught:
        services.save_objective(im, None, fields=objective_fields, thematic_areas=[], components=[])
    assert caught.value.field == "code"
    with pytest.raises(DomainError) as caught:
        services.save_objective(
            im,
            None,
            fields={**objective_fields, "code": "OS2"},
            thematic_areas=[],
            components=[{"organisation": cps}, {"organisation": cps}],
        )
    assert caught.value.field == "components"
    assert Objective.objects.count() == 1


def test_an_objective_needs_a_title_in_one_language(im, objective_fields):
    with pytest.raises(DomainError) as caught:
        services.save_objective(
            im,
            None,
            fields={**objective_fields, "title_fr": "", "title_en": " "},
            thematic_areas=[],
            components=[],
        )
    assert caught.value.field == "title_fr"
    objective = services.save_objective(
        im, None, fields={**objective_fields, "title_fr": ""}, thematic_areas=[], components=[]
    )
    assert objective.title == "Strengthen child protection"  # falls back on English


def test_questions_and_concerns(im, admin, objective_fields):
    objective = services.save_objective(
        im, None, fields=objective_fields, thematic_areas=[], components=[]
    )
    note = services.add_objective_note(
        im, objective, kind="question", text=" Who leads on MRM in Kidal? "
    )
    assert note.text == "Who leads on MRM in Kidal?" and not note.resolved
    with pytest.raises(DomainError):
        services.add_objective_note(im, objective, kind="question", text="  ")
    with pytest.raises(DomainError):
        services.add_objective_note(im, objective, kind="rumour", text="x")
    with pytest.raises(services.DirectoryRefused):
        services.add_objective_note(admin, objective, kind="concern", text="x")
    with pytest.raises(services.DirectoryRefused):
        services.resolve_objective_note(admin, note)
    services.resolve_objective_note(im, note)
    assert ObjectiveNote.objects.get().resolved
    services.resolve_objective_note(im, note, resolved=False)
    assert not ObjectiveNote.objects.get().resolved
    assert list(
        AuditEvent.objects.filter(action__startswith="objective.note").values_list(
            "action", flat=True
        )
    ) == ["objective.note_add", "objective.note_resolve", "objective.note_reopen"]


# --------------------------------------------------------------------------- profiles


def test_profiles_own_organisation_or_im_officer(admin, im, org, other_org, theme, areas):
    profile = services.save_profile(
        admin,
        org,
        fields={"role_fr": "Protection monitoring", "role_en": "", "contact": "info@drc.test"},
        thematic_areas=[theme("hlp")],
        areas=[areas["ML07"]],
    )
    assert profile.role_fr == "Protection monitoring"
    with pytest.raises(services.DirectoryRefused):
        services.save_profile(
            admin, other_org, fields={"role_fr": "x"}, thematic_areas=[], areas=[]
        )
    assert not ActorProfile.objects.filter(organisation=other_org).exists()
    services.save_profile(
        im, other_org, fields={"role_en": "Legal aid"}, thematic_areas=[], areas=[]
    )
    assert ActorProfile.objects.get(organisation=other_org).role_en == "Legal aid"
    assert AuditEvent.objects.filter(action="actorprofile.create").count() == 2
