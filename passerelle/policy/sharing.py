"""The policy for the sharing app's records: disclosures, break-glass accesses, protocols.

- A **disclosure** is listed (`disclosure.view`) by the `incident.share` holders of the
  organisation that made it; withdrawing it (`incident.share`) or opening the shared record
  (`incident.view`) needs that action on the incident itself (the records family's rule).
- A **break-glass access** is reviewed (`breakglass.review`) by the `breakglass.review` holders
  of the organisation whose record was opened.
- A **protocol** is read by every `protocol.view` holder; it is changed (`protocol.manage`) by
  a `protocol.manage` holder who drafted it, is a system administrator, or belongs to one of
  its parties. Its status decides the steps: `protocol.edit` (a draft), `protocol.activate`
  (a draft or a suspended protocol), `protocol.suspend` (an active one, by a manager or a
  signatory of a party).

The sharing app registers these families (sharing/policy_rules.py).
"""

from __future__ import annotations

from django.db.models import Q

from .gate import OnRecord, _model, memberships, organisations
from .registry import Holds, In, Match


def _orgs(action: str):
    return lambda user: {o.pk for o in organisations(user, action)}


DISCLOSURE_RULES = {
    "disclosure.view": In("owner_id", _orgs("incident.share")),
    "incident.share": OnRecord("incident", "incident.share"),
    "incident.view": OnRecord("incident", "incident.view"),
}

BREAK_GLASS_RULES = {
    "breakglass.review": In("organisation_id", _orgs("breakglass.review")),
}


def _system_admin(user) -> bool:
    return any(m.role == "system_admin" for m in memberships(user))


SYSTEM_ADMIN = Match(
    lambda user, prefix: Q() if _system_admin(user) else None,
    lambda user, obj: _system_admin(user),
)


def _party_q(user, prefix):
    ids = _orgs("protocol.manage")(user)
    if not ids:
        return None
    parties = _model("sharing.ProtocolParty").objects.filter(organisation_id__in=ids)
    return Q(**{f"{prefix}pk__in": parties.values("protocol_id")})


def _party_test(user, protocol):
    ids = _orgs("protocol.manage")(user)
    return any(p.organisation_id in ids for p in protocol.parties.all())


MANAGES_PROTOCOL = Holds("protocol.manage") & (
    In("created_by_id", lambda user: {user.pk})
    | Match(
        lambda user, prefix: Q() if _system_admin(user) else None, lambda u, o: _system_admin(u)
    )
    | Match(_party_q, _party_test)
)


def _signs_q(user, prefix):
    ids = _orgs("protocol.approve")(user)
    if not ids:
        return None
    parties = _model("sharing.ProtocolParty").objects.filter(organisation_id__in=ids)
    return Q(**{f"{prefix}pk__in": parties.values("protocol_id")})


def _signs_test(user, protocol):
    ids = _orgs("protocol.approve")(user)
    return any(p.organisation_id in ids for p in protocol.parties.all())


# A signatory: holds `protocol.approve` in one of the protocol's parties.
SIGNS_PROTOCOL = Match(_signs_q, _signs_test)


def _status(*statuses: str):
    return In("status", lambda user: set(statuses))


PROTOCOL_RULES = {
    "protocol.view": Holds("protocol.view"),
    "protocol.manage": MANAGES_PROTOCOL,
    # The steps a protocol's status allows (the services check the same, and audit refusals):
    # a draft is edited; a draft or a suspended protocol is activated; an active protocol is
    # suspended by a manager or by a signatory of one of its parties.
    "protocol.edit": MANAGES_PROTOCOL & _status("draft"),
    "protocol.activate": MANAGES_PROTOCOL & _status("draft", "suspended"),
    "protocol.suspend": (MANAGES_PROTOCOL | SIGNS_PROTOCOL) & _status("active"),
}
