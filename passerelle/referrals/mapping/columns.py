"""The columns of the service mapping, in the order of export, and their HXL hashtags.

HXL hashtags (../shared/domain/08-hxl.md; core hashtags, custom attributes where HXL has none):

================  ============================  ==========================================
column            hashtag written               why
================  ============================  ==========================================
code              #service+code                 the service's own stable code
name              #service+name                 #service: "services (healthcare...)"
provider          #org+acronym                  the providing organisation (custom +acronym)
service type      #service+type                 code from ServiceType
description       #description                  free text
areas             #loc+code+v_pcodes+list       P-codes of mixed admin levels: HXL uses #loc
                                                for mixed levels; +list: several values
target groups     #beneficiary+type+list        women, men, girls, boys
minimum age       #beneficiary+age+min          custom +age, +min
maximum age       #beneficiary+age+max          custom +age, +max
languages         #service+languages            custom attribute
days and hours    #service+hours                custom attribute
where to go       #loc+facility+name            the place to go to
contact           #contact+name / +phone / +email
capacity          #capacity+num+monthly         new cases a month
status            #status                       active / suspended
receiver          #contact+receiver+username    who receives referrals (custom attributes)
================  ============================  ==========================================

On import, a column is recognised by hashtag when the hashtag carries at least the attributes
of one of the column's `specs` (attributes in any order; extra attributes allowed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

SHEET = "services"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation
    tag: str  # written on export
    specs: tuple[str, ...]  # hashtags recognised on import (their attributes, at least)
    required: bool = False


COLUMNS = (
    Column("code", _("Code"), "#service+code", ("#service+code", "#service+id"), True),
    Column("name", _("Service name"), "#service+name", ("#service+name",), True),
    # the English name: `+i_en` (HXL's language attribute) makes it the more specific column
    Column(
        "name_en", _("Service name (English)"), "#service+name+i_en", ("#service+name+i_en",)
    ),
    Column("provider", _("Provider (acronym)"), "#org+acronym", ("#org+acronym",), True),
    Column("service_type", _("Service type"), "#service+type", ("#service+type",), True),
    Column("description", _("Description"), "#description", ("#description",)),
    Column(
        "areas",
        _("Areas served (P-codes)"),
        "#loc+code+v_pcodes+list",
        ("#loc+code", "#adm1+code", "#adm2+code", "#adm3+code"),
        True,
    ),
    Column(
        "target_groups",
        _("Target groups"),
        "#beneficiary+type+list",
        ("#beneficiary+type",),
        True,
    ),
    Column("min_age", _("Minimum age"), "#beneficiary+age+min", ("#beneficiary+age+min",)),
    Column("max_age", _("Maximum age"), "#beneficiary+age+max", ("#beneficiary+age+max",)),
    Column("languages", _("Languages"), "#service+languages", ("#service+languages",)),
    Column("hours", _("Days and hours"), "#service+hours", ("#service+hours",)),
    Column("location", _("Where to go"), "#loc+facility+name", ("#loc+name",)),
    Column("contact_name", _("Contact person"), "#contact+name", ("#contact+name",)),
    Column("contact_phone", _("Contact phone"), "#contact+phone", ("#contact+phone",)),
    Column("contact_email", _("Contact e-mail"), "#contact+email", ("#contact+email",)),
    Column("capacity", _("Capacity per month"), "#capacity+num+monthly", ("#capacity",)),
    Column("status", _("Status"), "#status", ("#status",)),
    Column(
        "receiver",
        _("Receives referrals (username)"),
        "#contact+receiver+username",
        ("#contact+receiver",),
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
TEXT_FIELDS = ("name", "name_en", "description", "languages", "hours", "location")
TEXT_FIELDS += ("contact_name", "contact_phone")


_TAG = re.compile(r"^#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)$", re.IGNORECASE)


def parse_tag(text: str):
    """`#org+name +acronym` -> ("org", {"name", "acronym"}); None if not a hashtag."""
    found = _TAG.match(text.strip())
    if not found:
        return None
    attrs = frozenset(a.strip().lower() for a in found.group(2).split("+") if a.strip())
    return found.group(1).lower(), attrs


def column_for_tag(tag: str):
    """The column a hashtag names: the most specific spec it satisfies; (None, True) when
    two columns match equally well."""
    parsed = parse_tag(tag)
    if parsed is None:
        return None, False
    hashtag, attrs = parsed
    best, size, tie = None, -1, False
    for column in COLUMNS:
        for spec in column.specs:
            spec_tag, spec_attrs = parse_tag(spec)
            if spec_tag != hashtag or not spec_attrs <= attrs:
                continue
            if len(spec_attrs) > size:
                best, size, tie = column, len(spec_attrs), False
            elif len(spec_attrs) == size and column is not best:
                tie = True
    return (None, True) if tie else (best, False)
