"""Saving an organisation's XLSForm versions and their mappings (actor first, audited).

Who: the holders of `import.run` in the organisation (monitors and IM officers). A form holds
no personal data, so its definition is stored plainly; the audit events keep the form's id,
version and digest, never its labels.
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit
from passerelle.core.errors import DomainError

from . import forms
from .mapping import mapping_errors, propose_mapping
from .models import FormMapping, FormVersion


class MappingRefused(DomainError):
    """A mapping with errors; `errors` lists them (mapping.MappingError)."""

    def __init__(self, errors: list):
        super().__init__(
            _("The mapping has errors: correct them and save again."), code="mapping_invalid"
        )
        self.errors = errors


@audit.service
def save_form(actor, *, organisation, data: bytes, files: dict | None = None) -> FormVersion:
    """Read the XLSForm and keep its version for `organisation`. The same form version
    uploaded again is the same FormVersion (its choices files, if given now, complete it);
    another content under an id and version already kept is refused: a changed form needs a
    new version in its settings sheet, as KoboToolbox and ODK Central give on deployment."""
    policy.require(actor, "import.run", organisation)
    form = forms.read_form(data, files)
    digest = form.digest
    existing = FormVersion.objects.filter(
        organisation=organisation, form_id=form.form_id, version=form.version
    ).first()
    if existing is not None and existing.digest != digest:
        message = _(
            "A different form with the id “%(form_id)s” and the version “%(version)s” was "
            "already uploaded. Give this form a new version (the “version” column of its "
            "settings sheet) and upload it again."
        )
        params = {"form_id": form.form_id, "version": form.version or "-"}
        raise DomainError(lazy(lambda: str(message) % params, str)(), code="xlsform_version_taken")
    definition = form.as_json()
    if existing is not None:
        if existing.definition == definition:
            return existing
        existing.definition = definition
        existing.languages = form.languages
        existing.save(update_fields=["definition", "languages", "updated_at"])
        _audit(actor, "xlsform.update", existing, form)
        return existing
    version = FormVersion.objects.create(
        organisation=organisation,
        form_id=form.form_id,
        version=form.version,
        title=form.title[:300],
        languages=form.languages,
        definition=definition,
        digest=digest,
        uploaded_by=actor,
    )
    _audit(actor, "xlsform.upload", version, form)
    return version


def _audit(actor, action, version: FormVersion, form: forms.FormDefinition) -> None:
    audit.record(
        actor,
        action,
        version,
        organisation=version.organisation,
        detail={
            "form_id": form.form_id,
            "version": form.version,
            "digest": version.digest[:16],
            "questions": sum(1 for q in form.questions if not q.is_section),
            "missing_files": len(form.missing_files),
        },
    )


@audit.service
def save_mapping(actor, *, form_version: FormVersion, mapping: dict) -> FormMapping:
    """Keep the officer's mapping for this form version; MappingRefused if it has errors."""
    policy.require(actor, "import.run", form_version)
    errors = mapping_errors(form_version.form(), mapping)
    if errors:
        raise MappingRefused(errors)
    saved, created = FormMapping.objects.update_or_create(
        form_version=form_version, defaults={"mapping": mapping, "updated_by": actor}
    )
    audit.record(
        actor,
        "xlsform.mapping",
        form_version,
        organisation=form_version.organisation,
        detail={"fields": sorted(mapping), "created": created},
    )
    return saved


def initial_mapping(form_version: FormVersion) -> dict:
    """The mapping to show or use for a form version: the one saved for it; else the latest
    saved for an earlier version of the same form, kept where its questions still exist
    with the same type (and their choices where they still exist), the rest proposed; else
    a proposal. Reads only: the caller has fetched `form_version` through the policy."""
    saved = FormMapping.objects.filter(form_version=form_version).first()
    if saved is not None:
        return saved.mapping
    form = form_version.form()
    proposal = propose_mapping(form)
    earlier = (
        FormMapping.objects.filter(
            form_version__organisation_id=form_version.organisation_id,
            form_version__form_id=form_version.form_id,
        )
        .exclude(form_version=form_version)
        .order_by("-updated_at")
        .first()
    )
    if earlier is None:
        return proposal
    old_form = earlier.form_version.form()
    carried: dict = {}
    for target, entry in earlier.mapping.items():
        if not entry.get("question"):
            carried[target] = dict(entry)
            continue
        old_q = old_form.question(entry["question"])
        new_q = form.question(old_q.xpath) if old_q is not None else None
        if new_q is None or new_q.type != old_q.type:
            continue
        kept = {"question": new_q.xpath}
        if "choices" in entry:
            names = [c.name for c in form.choices(new_q)]
            proposed = (proposal.get(target) or {}).get("choices", {})
            kept["choices"] = {n: entry["choices"].get(n, proposed.get(n, "")) for n in names}
        carried[target] = kept
    used = {e.get("question") for e in carried.values()}
    for target, entry in proposal.items():
        if target not in carried and entry.get("question") not in used:
            carried[target] = entry
    return carried
