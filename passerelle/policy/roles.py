"""THE roles table: what each role may do, and up to which classification level.

Levels (DESIGN.md): 0 public, 1 aggregate, 2 restricted (de-identified incident),
3 confidential (case details, no identity), 4 strictly confidential (identity).
A role's level applies to its own organisation's records; level 4 further needs
the user to be named on the record (need to know) or to have recorded it.
docs/authorization.md is generated from this table (`manage.py authorization_doc`).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    level: int
    actions: frozenset
    description: str


# Every action the application knows, with a short description.
ACTIONS = {
    "dashboard.view": _("See the home dashboard of one's organisation"),
    "area.view": _("Browse administrative areas"),
    "incident.view": _("Open an incident of one's organisation (up to one's level)"),
    "incident.create": _("Record a new incident"),
    "incident.edit": _("Change an incident's details"),
    "incident.verify": _("Move an incident through the verification workflow"),
    "incident.manage_access": _("Name the colleagues who need to know an incident's identities"),
    "person.view": _("See the victims, witnesses and sources of an incident (without identity)"),
    "person.create": _("Add a victim, witness or source to an incident"),
    "person.edit": _("Change a person's details"),
    "person.view_identity": _("See and record names, family names, phone and address"),
    "consent.record": _("Record or withdraw a person's consent"),
    "audit.view": _("Browse the audit log of one's organisation"),
    "protocol.view": _("Read the information-sharing protocols"),
    "protocol.manage": _("Draft, activate and suspend information-sharing protocols"),
    "protocol.approve": _("Approve a protocol as the signatory of one's organisation"),
    "incident.share": _("Share an incident with a partner under a protocol, or withdraw it"),
    "aggregate.view": _("See aggregate statistics, small cells suppressed"),
    "incident.export": _("Export the incidents one may see, at the level one may see them"),
    "breakglass.request": _(
        "Open an incident's identities in an emergency, with a written reason (reviewed)"
    ),
    "breakglass.review": _("Review the break-glass accesses of one's organisation"),
    "service.view": _("Read the service mapping and the referral pathways"),
    "service.manage": _("Describe one's organisation's services (areas, hours, contact, status)"),
    "servicemap.manage": _(
        "Maintain the whole service mapping (every provider, imports) and the referral pathways"
    ),
    "referral.create": _(
        "Refer a person one may see to a service, with their consent, and follow the referral up"
    ),
    "referral.respond": _(
        "Receive referrals addressed to one's organisation's services and answer them"
    ),
    "directory.view": _(
        "Read the directory: thematic areas, focal points, strategy objectives, points d'entrée"
    ),
    "focalpoint.manage": _("Name one's organisation's focal points and describe its role"),
    "directory.manage": _(
        "Maintain the whole directory: every organisation's focal points, objectives, profiles"
    ),
    "request.view": _("Read the requests one's organisation made or received"),
    "request.create": _("Ask another organisation for information or action"),
    "request.answer": _("Acknowledge, answer or decline the requests made to one's organisation"),
    "coordination.view": _(
        "Read coordination bodies, trainings, and the meetings of bodies one's organisation sits in"
    ),
    "coordination.manage": _(
        "Record the meetings, decisions and action points of bodies one's organisation chairs, "
        "and its trainings"
    ),
    "risk.manage": _(
        "Keep one's organisation's engagement risk register (humanitarian principles)"
    ),
    "import.run": _(
        "Import incidents in bulk into one's organisation (KoboToolbox / ODK submissions, "
        "spreadsheets, pulls)"
    ),
    "admin.access": _("Use the system administration site"),
}

_VIEW = {
    "dashboard.view",
    "area.view",
    "incident.view",
    "protocol.view",
    "aggregate.view",
    "service.view",
    "directory.view",
    "request.view",
    "coordination.view",
}
_SHARE = {"incident.share", "incident.export"}

ROLES: dict[str, Role] = {
    "viewer": Role(2, frozenset(_VIEW), _("Reads de-identified incidents of the organisation")),
    "monitor": Role(
        4,
        frozenset(
            _VIEW
            | {"breakglass.request", "referral.create", "request.create"}
            | {
                "incident.create",
                "incident.edit",
                "person.view",
                "person.create",
                "person.edit",
                "person.view_identity",
                "consent.record",
                "import.run",
            }
        ),
        _("Records incidents, victims, witnesses and sources; sees identities they need to know"),
    ),
    "case_worker": Role(
        4,
        frozenset(
            _VIEW
            | {"incident.share", "breakglass.request", "referral.create", "referral.respond"}
            | {"request.create"}
            | {"person.view", "person.edit", "person.view_identity", "consent.record"}
        ),
        _("Follows up survivors; sees identities they need to know"),
    ),
    "verifier": Role(
        4,
        frozenset(
            _VIEW
            | _SHARE
            | {"breakglass.request", "referral.create", "request.create"}
            | {"incident.edit", "incident.verify", "person.view", "person.view_identity"}
        ),
        _("Verifies incidents; sees identities they need to know"),
    ),
    "im_officer": Role(
        2,
        frozenset(
            _VIEW
            | {"incident.export", "servicemap.manage", "directory.manage"}
            | {"request.create", "request.answer", "coordination.manage", "risk.manage"}
            | {"import.run"}
        ),
        _("Analyses de-identified incidents and statistics"),
    ),
    "focal_point": Role(
        2,
        frozenset(
            _VIEW | {"request.create", "request.answer", "coordination.manage", "risk.manage"}
        ),
        _("Thematic focal point: answers requests; reads de-identified incidents"),
    ),
    "org_admin": Role(
        3,
        frozenset(
            _VIEW
            | _SHARE
            | {"incident.manage_access", "audit.view", "person.view"}
            | {"protocol.manage", "protocol.approve", "breakglass.review"}
            | {"service.manage", "referral.respond"}
            | {"focalpoint.manage", "request.create", "request.answer"}
            | {"coordination.manage", "risk.manage"}
        ),
        _("Manages the organisation's members, need-to-know lists and audit; no identities"),
    ),
    "system_admin": Role(
        1,
        frozenset(
            {"dashboard.view", "area.view", "admin.access", "protocol.view", "protocol.manage"}
            | {"service.view", "directory.view"}
        ),
        _("Runs the platform (organisations, users, vocabularies, areas); no case data"),
    ),
}

# The lowest clearance an action needs on a record (the record's classification may raise it).
ACTION_LEVEL = {
    "incident.view": 2,
    "incident.edit": 3,
    "incident.verify": 3,
    "incident.manage_access": 3,
    "person.view": 3,
    "person.create": 3,
    "person.edit": 3,
    "consent.record": 3,
    "person.view_identity": 4,
    "incident.share": 2,
    "breakglass.request": 3,
    "referral.create": 3,
}

# Actions that do not read the record's content, so its classification does not raise them:
# an organisation administrator names who needs to know without reading the record.
# Break-glass is asked for precisely because the record is beyond one's need to know.
CLASSIFICATION_INDEPENDENT = frozenset({"incident.manage_access", "breakglass.request"})

assert all(a in ACTIONS for r in ROLES.values() for a in r.actions)  # noqa: S101
assert set(ACTION_LEVEL) <= set(ACTIONS)  # noqa: S101
