"""Requests for information or action: who reads a request, who answers it, and which
requests are refused before they are filed.

- **Read.** Holders of `request.view` in the asking or the addressed organisation read the
  request, its answer and history. The asker's sister components (organisations with the same
  parent, e.g. the mission's human-rights, child-protection and women-protection components)
  read what was asked, so that one component sees that another already asked; they read the
  answer only when it is an aggregate (level 0–1), never the records shared in answer.
- **Answer.** Holders of `request.answer` in the addressed organisation.
- **Refusals** (`assess_request`). A request never bypasses a protocol: asking for
  incident-level data (level 2–3) needs a protocol in force between the two organisations that
  gives the asker a rule for the data category, at that level, for the declared purpose, over
  the area. Identities (level 4) are never given in answer to a request: they are shared case by
  case, with consent, by a disclosure to a named person. Purposes that amount to intelligence
  gathering are refused at every level, whether declared or apparent from what the
  text asks (`policy.intelligence`).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from passerelle.core import audit
from passerelle.core.guard import unscoped

from . import cache as _cache
from . import intelligence
from .gate import _mark_scoped, _model, audit_refusal, ceiling, live_filter, organisations
from .purposes import FORBIDDEN, Purpose, forbidden_reason
from .registry import In

MAX_REQUEST_LEVEL = 3
AGGREGATE_LEVEL = 1


def intelligence_phrases(*texts: str) -> list[str]:
    """The request's own words that show it asks for intelligence (empty: it does not); what
    is asked is judged by the classifier of `policy.intelligence`."""
    return [finding.phrase for finding in intelligence.classify(*texts)]


def sisters(organisation) -> set[int]:
    """The organisation, its parent and the parent's other children (a mission's components)."""
    Organisation = _model("accounts.Organisation")
    ids = {organisation.pk}
    if organisation.parent_id:
        ids.add(organisation.parent_id)
        ids |= set(
            Organisation.objects.filter(parent_id=organisation.parent_id).values_list(
                "pk", flat=True
            )
        )
    else:
        ids |= set(
            Organisation.objects.filter(parent_id=organisation.pk).values_list("pk", flat=True)
        )
    return ids


def _org_ids(user, action: str = "request.view") -> set[int]:
    return {o.pk for o in organisations(user, action)}


def _family_ids(user) -> set[int]:
    """`sisters` of every organisation in which the user reads requests, in one query (once
    per request)."""
    cache = _cache.for_user(user)
    if "request_family" not in cache:
        orgs = organisations(user, "request.view")
        family = {o.pk for o in orgs} | {o.parent_id for o in orgs if o.parent_id}
        roots = {o.parent_id or o.pk for o in orgs}
        if roots:
            family |= set(
                _model("accounts.Organisation")
                .objects.filter(parent_id__in=roots)
                .values_list("pk", flat=True)
            )
        cache["request_family"] = family
    return cache["request_family"]


# The rules of the requests family (registered by inforequests/policy_rules.py): each gives
# both the queryset condition and the per-request decision.
MADE = In("asker_id", lambda user: _org_ids(user))
RECEIVED = In("addressee_id", lambda user: _org_ids(user))
RELATED = In("asker_id", _family_ids)
REQUEST_RULES = {
    "request.view": MADE | RECEIVED | RELATED,
    "request.answer": In("addressee_id", lambda user: _org_ids(user, "request.answer")),
    # close or withdraw: someone of the asking organisation who may ask
    "request.create": In("asker_id", lambda user: _org_ids(user, "request.create")),
}


def scope_requests(user, queryset=None, box: str = "all"):
    """Requests the user may read: `made` (asked by their organisations), `received`
    (addressed to them), `related` (asked by sister components), `all` (any of these)."""
    queryset = _model("inforequests.Request").objects.all() if queryset is None else queryset
    own = _org_ids(user)
    if not own:
        return queryset.none().mark_scoped()
    made, received = Q(asker_id__in=own), Q(addressee_id__in=own)
    related = Q(asker_id__in=_family_ids(user))
    condition = {
        "made": made,
        "received": received,
        "related": related & ~made & ~received,
        "all": made | received | related,
    }[box]
    return queryset.filter(condition).mark_scoped()


def relation(user, request) -> str | None:
    """How the user stands to the request: "asker", "addressee", "sister" or None."""
    own = _org_ids(user)
    if request.asker_id in own:
        return "asker"
    if request.addressee_id in own:
        return "addressee"
    if own and request.asker_id in _family_ids(user):
        return "sister"
    return None


def get_request_or_404(user, public_id):
    """The request if the user may read it; a 404 (audited) otherwise, the same as missing."""

    found = (
        scope_requests(user)
        .filter(public_id=public_id)
        .select_related(
            "asker", "addressee", "thematic_area", "area", "focal_point", "assignee", "asked_by"
        )
        .defer("area__geometry")
    )
    request = found.first()
    if request is None:
        # The refusal goes to the log of the organisations the request concerns (when it
        # exists), so that their administrators see who tried; the answer stays a plain 404.
        with unscoped():
            known = (
                _model("inforequests.Request")
                .objects.filter(public_id=public_id)
                .select_related("asker", "addressee")
                .first()
            )
        owners = [known.asker, known.addressee] if known is not None else [None]
        for owner in owners:
            audit_refusal(
                user, "request.view", known, reason=f"request {public_id}", organisation=owner
            )
        raise Http404
    return request


def sees_answer(user, request) -> bool:
    """The asker and the addressee read the answer; sister components only an aggregate one."""
    standing = relation(user, request)
    if standing in ("asker", "addressee"):
        return True
    return (
        standing == "sister"
        and request.answer_level is not None
        and request.answer_level <= AGGREGATE_LEVEL
        and not _mark_scoped(request.answer_disclosures.all()).exists()
    )


def answer_disclosures(user, request):
    """The records shared in answer to a request, for those who `sees_answer` (none for the
    others): disclosures are guarded, read through here."""
    shared = request.answer_disclosures.all()
    return _mark_scoped(shared if sees_answer(user, request) else shared.none())


def disclosures_to_answer_with(user, request):
    """What the addressee may give in answer (`request.answer` holders only): the disclosures
    its organisation made to the asker, in effect now."""
    offered = _model("sharing.Disclosure").objects.filter(
        owner_id=request.addressee_id, recipient_id=request.asker_id, **live_filter()
    )
    return _mark_scoped(offered if may_answer(user, request) else offered.none())


def request_texts(user, request) -> dict:
    """The request's sealed texts, opened for this reader: what was asked ("body") for anyone
    who reads the request, the answer ("answer") only for those who `sees_answer` at a level
    their authentication allows (`ceiling`)."""
    from passerelle.core.fields import reveal

    if relation(user, request) is None:
        return {}
    texts = {"body": reveal(request.body)}
    # an answer above what the reader's authentication allows (a level-3 answer read with an
    # API token not verified with two factors, gate.ceiling) is not opened
    if sees_answer(user, request) and (request.answer_level or 0) <= ceiling(user):
        texts["answer"] = reveal(request.answer)
        if (request.answer_level or 0) >= 3 and texts["answer"]:
            # a confidential answer (case details) is a level-3 read: audited, under the
            # addressee that gave it
            audit.record(
                user,
                "request.read",
                request,
                organisation=request.addressee,
                level=request.answer_level,
                detail={"fields": ["answer"]},
            )
    return texts


def may_answer(user, request) -> bool:
    return REQUEST_RULES["request.answer"].test(user, request)


def may_follow_up(user, request) -> bool:
    """Close or withdraw: someone of the asking organisation who may ask."""
    return REQUEST_RULES["request.create"].test(user, request)


def covering_protocols(asker, addressee, *, data_category: str, purpose: str, area, level: int):
    """Protocols in force to which both organisations are parties and which give the asker a
    rule for the data category allowing the level and the purpose, over (part of) the area."""
    found = []
    candidates = (
        _model("sharing.Protocol")
        .objects.in_force()
        .filter(parties__organisation=asker)
        .filter(parties__organisation=addressee)
        .distinct()
        .with_terms()
    )
    for protocol in candidates:
        roles = protocol.party_roles(asker)
        # any of the asker's rules for the category may allow it (not only the most generous:
        # a narrower rule may be the one that names the purpose)
        if not any(
            r.party_role in roles
            and r.data_category == data_category
            and r.max_level >= level
            and purpose in r.purposes
            for r in protocol.rules.all()
        ):
            continue
        if not protocol.party_roles(addressee):
            continue
        if area is not None and not any(
            area.pcode.startswith(a.pcode) or a.pcode.startswith(area.pcode)
            for a in protocol.areas.all()
        ):
            continue
        found.append(protocol)
    return found


def assess_request(user, *, asker, addressee, kind, data_category, level, purpose, area, texts):
    """Every reason the request would be refused (empty: allowed), their codes for the audit
    log, and the protocol it relies on (None when none is needed)."""
    reasons, codes = [], []

    def refuse(code, message):
        codes.append(code)
        reasons.append(message)

    level = int(level)
    if asker is None or asker.pk not in _org_ids(user, "request.create"):
        refuse("not_permitted", _("You may not ask on behalf of this organisation."))
    if asker is not None and addressee is not None and asker.pk == addressee.pk:
        refuse("same_organisation", _("A request is addressed to another organisation."))
    if purpose in FORBIDDEN:
        refuse("forbidden_purpose", forbidden_reason(purpose))
    elif purpose not in Purpose.values:
        refuse("unknown_purpose", _("Choose a purpose."))
    findings = intelligence.classify(*texts)
    if findings:
        refuse(
            "reads_as_intelligence",
            _(
                "The request reads as intelligence gathering: it asks %(what)s (“%(phrase)s”). "
                "Say what protection information you need, and for which response."
            )
            % {"what": findings[0].what, "phrase": findings[0].phrase},
        )
    protocol = None
    if level > MAX_REQUEST_LEVEL:
        refuse(
            "identities",
            _(
                "Identities are never given in answer to a request: they are shared case by "
                "case, with the person's consent, with a named person, under a protocol."
            ),
        )
    elif level > AGGREGATE_LEVEL and kind == "information":
        if not data_category:
            refuse(
                "no_category",
                _("Say which data category you ask for: incident-level data follow a protocol."),
            )
        elif asker is not None and addressee is not None and purpose in Purpose.values:
            protocols = covering_protocols(
                asker,
                addressee,
                data_category=data_category,
                purpose=purpose,
                area=area,
                level=level,
            )
            if protocols:
                protocol = protocols[0]
            else:
                refuse(
                    "no_protocol",
                    _(
                        "No information-sharing protocol in force between %(asker)s and "
                        "%(addressee)s allows %(category)s at level %(level)s for this purpose "
                        "in this area. Ask for aggregate figures (level 1), or for a protocol."
                    )
                    % {
                        "asker": asker.acronym,
                        "addressee": addressee.acronym,
                        "category": dict(_categories()).get(data_category, data_category),
                        "level": level,
                    },
                )
    return reasons, codes, protocol


def _categories():
    return _model("incidents.Incident")._meta.get_field("data_category").choices


def refuse_outsider(user, request) -> None:
    audit_refusal(user, "request.answer", None, reason=f"request {request.public_id}")
    raise Http404
