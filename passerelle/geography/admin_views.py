"""Loading administrative areas (COD-AB) from the browser, for administrators.

The same loader as `manage.py load_areas` (geography.loader): an areas CSV
(`pcode,name,level,parent_pcode[,name_fr,name_en]`), a names file, a GeoJSON of boundaries,
for any country. Two steps: "Check" validates every file and shows, per admin level, what
would be created, changed or left as it is (nothing written); "Apply" writes it all in one
transaction, or nothing, and records one audit event. Between the two steps the uploaded
files wait in a private temporary folder named by a random token kept in the session;
they are deleted once applied or replaced.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core import audit

from . import loader
from .models import Area

SESSION_KEY = "geography.area_upload"
FOLDER = "passerelle-areas"


class AreaUploadForm(forms.Form):
    areas = forms.FileField(
        label=gettext_lazy("Areas (CSV)"),
        required=False,
        help_text=gettext_lazy(
            "Columns pcode, name, level, parent_pcode, and optionally name_fr, name_en "
            "(UTF-8). Parents may be in the file or already loaded."
        ),
    )
    names = forms.FileField(
        label=gettext_lazy("French and English names (CSV)"),
        required=False,
        help_text=gettext_lazy("Optional. Columns pcode, name_fr, name_en."),
    )
    boundaries = forms.FileField(
        label=gettext_lazy("Boundaries (GeoJSON)"),
        required=False,
        help_text=gettext_lazy(
            "Optional. A FeatureCollection of Polygon or MultiPolygon features in "
            "longitude/latitude."
        ),
    )
    match_property = forms.CharField(
        label=gettext_lazy("Feature property holding the P-code"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("With boundaries, for example ADM2_PCODE or adm2_pcode."),
    )
    fallback_property = forms.CharField(
        label=gettext_lazy("Property used when the first one is empty"),
        required=False,
        max_length=100,
    )
    version = forms.CharField(
        label=gettext_lazy("P-code version"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "Stored with every area of the areas file, for example cod-ab-2021-12-20."
        ),
    )

    def clean(self):
        data = super().clean()
        files = [data.get(name) for name in ("areas", "names", "boundaries")]
        if not any(files):
            raise forms.ValidationError(gettext_lazy("Choose at least one file."))
        limit = settings.MAX_REQUEST_BYTES
        for name in ("areas", "names", "boundaries"):
            upload = data.get(name)
            if upload is not None and upload.size > limit:
                self.add_error(
                    name,
                    gettext_lazy(
                        "The file is larger than %(limit)s MB: load it with manage.py "
                        "load_areas on the server."
                    )
                    % {"limit": limit // (1024 * 1024)},
                )
        if data.get("boundaries") and not data.get("match_property"):
            self.add_error(
                "match_property", gettext_lazy("Name the property that holds the P-code.")
            )
        if data.get("fallback_property") and not data.get("boundaries"):
            self.add_error("fallback_property", gettext_lazy("This needs a boundaries file."))
        return data


def _root() -> Path:
    return Path(tempfile.gettempdir()) / FOLDER


def _safe_name(name: str, kind: str) -> str:
    """The uploaded file's own name (messages name it), made safe for the file system."""
    return re.sub(r"[^\w.-]+", "_", Path(name or kind).name)[:80].lstrip(".") or kind


def _discard(request) -> None:
    stored = request.session.pop(SESSION_KEY, None)
    if stored and re.fullmatch(r"[0-9a-f]{32}", stored.get("token", "")):
        shutil.rmtree(_root() / stored["token"], ignore_errors=True)


def _sweep(max_age: float = 24 * 3600) -> None:
    """Delete the folders of checks never applied, a day after their upload."""
    root = _root()
    if not root.is_dir():
        return
    now = time.time()
    for folder in root.iterdir():
        if re.fullmatch(r"[0-9a-f]{32}", folder.name) and now - folder.stat().st_mtime > max_age:
            shutil.rmtree(folder, ignore_errors=True)


def _keep(request, form) -> dict:
    """Write the uploads to a fresh private folder; remember it in the session."""
    _discard(request)
    _sweep()
    token = secrets.token_hex(16)
    folder = _root() / token
    _root().mkdir(mode=0o700, exist_ok=True)
    folder.mkdir(mode=0o700)
    stored = {"token": token, "files": {}}
    for kind in ("areas", "names", "boundaries"):
        upload = form.cleaned_data.get(kind)
        if upload is None:
            continue
        name = _safe_name(upload.name, kind)
        (folder / kind).mkdir(mode=0o700)  # one folder per file: two files may share a name
        with open(folder / kind / name, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        stored["files"][kind] = name
    for option in ("match_property", "fallback_property", "version"):
        stored[option] = form.cleaned_data.get(option) or None
    request.session[SESSION_KEY] = stored
    return stored


def _inputs(stored: dict) -> dict:
    folder = _root() / stored["token"]
    files = {kind: folder / kind / name for kind, name in stored["files"].items()}
    geojson = []
    if "boundaries" in files:
        geojson = [
            loader.GeoJSONSource(
                files["boundaries"], stored["match_property"], stored["fallback_property"]
            )
        ]
    return {
        "csv_path": files.get("areas"),
        "names_path": files.get("names"),
        "geojson": geojson,
        "version": stored["version"],
    }


def _levels(previews) -> list[dict]:
    labels = dict(Area.Level.choices)
    return [{"label": labels.get(p.level, p.level), "preview": p} for p in previews]


@policy.permission("admin.access")
def area_upload(request):
    """Upload COD-AB files and check them: every problem, or what each level would become."""
    form = AreaUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "stored": _stored_counts()}
    if request.method == "POST" and form.is_valid():
        stored = _keep(request, form)
        try:
            plan = loader.plan_areas(**_inputs(stored))
        except loader.AreaImportError as exc:
            _discard(request)
            context.update(errors=exc.errors)
            return render(request, "geography/area_upload.html", context)
        context.update(
            levels=_levels(loader.preview(plan)),
            files=sorted(stored["files"].values()),
            version=stored["version"],
        )
    return render(request, "geography/area_upload.html", context)


@policy.permission("admin.access")
@require_POST
def area_apply(request):
    """Apply the files checked last: all areas or none; one audit event."""
    stored = request.session.get(SESSION_KEY)
    token = (stored or {}).get("token", "")
    if not re.fullmatch(r"[0-9a-f]{32}", token) or not (_root() / token).is_dir():
        messages.error(request, _("Nothing to apply: upload and check the files again."))
        return redirect("geography:upload")
    try:
        plan = loader.plan_areas(**_inputs(stored))
    except loader.AreaImportError as exc:
        _discard(request)
        form = AreaUploadForm()
        context = {"form": form, "errors": exc.errors, "stored": _stored_counts()}
        return render(request, "geography/area_upload.html", context)
    levels = loader.preview(plan)
    with transaction.atomic():  # the areas and their audit event, or neither
        result = loader.apply_plan(plan)
        audit.record(
            request.user,
            "areas.import",
            organisation=None,  # system-wide reference data, no organisation's record
            level=0,
            detail={
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "levels": {str(p.level): p.created + p.updated + p.unchanged for p in levels},
                "version": stored.get("version") or "",
                "boundaries": "boundaries" in stored["files"],
            },
        )
    _discard(request)
    messages.success(request, result.summary())
    return redirect("geography:list")


def _stored_counts() -> list[dict]:
    """Per level: its name, the areas stored and those with a boundary."""
    labels = dict(Area.Level.choices)
    rows = (
        Area.objects.values("level")
        .annotate(n=Count("id"), drawn=Count("id", filter=Q(geometry__isnull=False)))
        .order_by("level")
    )
    return [
        {"label": labels.get(r["level"], r["level"]), "count": r["n"], "with_boundary": r["drawn"]}
        for r in rows
    ]
