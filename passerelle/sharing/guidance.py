"""What the share form says BEFORE the user submits: for a chosen protocol and recipient, the
levels and purposes a share of this record may have; for the record, whether any partner may
receive it at all. Every answer is `services.assess_share` asked in advance (the one rule of
a share: protocol, consent, classification, clearance, area), never a second copy of it.

Asking is not sharing: nothing is written, nothing audited (the share itself is).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from passerelle.policy.purposes import Purpose

from . import services

# Refusals that do not depend on the level or the recipient's protocol terms, but on what the
# user has not chosen yet (a purpose, a named person) or chose for another share.
NOT_CHOSEN_YET = {"unknown_purpose", "no_named_recipient"}
LEVELS = (2, 3, 4)


@dataclass
class Option:
    """What one recipient may receive of the record under one protocol."""

    protocol: object
    recipient: object
    levels: list[int] = field(default_factory=list)  # the levels a share may have
    reasons: list = field(default_factory=list)  # why not, at the lowest level tried
    purposes: list[str] = field(default_factory=list)  # labels of the purposes allowed

    @property
    def highest(self) -> int | None:
        return max(self.levels) if self.levels else None

    @property
    def needs_named_person(self) -> bool:
        return 4 in self.levels


def _assess(actor, incident, *, protocol, recipient, level, purpose, recipient_user, ignore):
    reasons, codes, _basis = services.assess_share(
        actor,
        incident,
        protocol=protocol,
        recipient=recipient,
        purpose=purpose or "",
        level=level,
        recipient_user=recipient_user,
    )
    return [r for r, c in zip(reasons, codes, strict=True) if c not in ignore]


def option(actor, incident, *, protocol, recipient, purpose="", recipient_user=None) -> Option:
    """The levels from the record's classification up that a share to `recipient` under
    `protocol` may have (for `purpose` when chosen), and why not when none."""
    ignore = set(NOT_CHOSEN_YET)
    if not purpose:
        ignore |= {"purpose_not_allowed", "already_shared"}
    result = Option(protocol, recipient)
    lowest = max(2, incident.classification)
    for level in (lv for lv in LEVELS if lv >= lowest):
        reasons = _assess(
            actor,
            incident,
            protocol=protocol,
            recipient=recipient,
            level=level,
            purpose=purpose,
            recipient_user=recipient_user,
            ignore=ignore,
        )
        if reasons:
            if not result.levels:
                result.reasons = reasons
            break  # a higher level needs more (consent, the rule's ceiling, clearance)
        result.levels.append(level)
    roles = protocol.party_roles(recipient)
    rule = protocol.rule(roles, incident.data_category) if roles else None
    if rule is not None and result.levels:
        result.purposes = [str(Purpose(p).label) for p in rule.purposes if p in Purpose.values]
    return result


def options(actor, incident, protocols) -> list[Option]:
    """Every partner of the protocols in force (the record's owner excepted) and what it may
    receive: the share page's summary, and the answer to "can this be shared at all?"."""
    found = []
    for protocol in protocols:
        seen = set()
        for party in protocol.parties.all():
            org = party.organisation
            if org.pk == incident.owner_id or org.pk in seen or not org.active:
                continue
            seen.add(org.pk)
            found.append(option(actor, incident, protocol=protocol, recipient=org))
    return found
