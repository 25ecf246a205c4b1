"""Pathway forms: shape only; `services.save_pathway` judges the rules.

A pathway is edited as an ordered list of steps (a formset, usable without JavaScript): each
step names a service type and its services in order (first choice, then fallbacks), chosen
among the services of that type that serve the pathway's area. Blank rows are ignored.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle.geography.models import Area

from .models import ESSENTIAL_SERVICES, NeedKind, Service, ServiceType

BLANK = [("", "---------")]
SLOTS = 4  # first choice and three fallbacks
EXTRA_STEPS = 2
MAX_STEPS = 20
LIST_LEVELS = (0, 1, 2)  # the country, regions and cercles


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.pcode})"


def serving(area: Area):
    """Every service (any status) that serves the area: one of its areas contains the area
    (its P-code is a prefix of the area's) or lies within it (the area's P-code is a prefix
    of its own)."""
    return (
        Service.objects.serving(area)
        .select_related("provider")
        .order_by("service_type", "provider__acronym", "code")
    )


def covers_whole(service: Service, area: Area) -> bool:
    """Whether the service serves all of the area (not only some of the areas within it).
    Uses the prefetched areas of the service."""
    return service.serves(area)


def prefill(area: Area, need: str, candidates: list[Service], slots: int = SLOTS) -> list[dict]:
    """The steps of a new pathway: the service types the situation calls for, each with the
    active services serving the area (those covering the whole area first)."""
    steps = []
    for service_type in ESSENTIAL_SERVICES.get(NeedKind(need), []):
        found = [s for s in candidates if s.service_type == service_type and s.is_active]
        found.sort(key=lambda s: (not covers_whole(s, area), s.provider.acronym, s.code))
        steps.append({"service_type": service_type, "services": found[:slots]})
    return steps


def slot_label(rank: int) -> str:
    if rank == 1:
        return str(_("First choice"))
    return str(_("Fallback %(n)s") % {"n": rank - 1})


def _service_label(service: Service) -> str:
    label = f"{service.display_name} ({service.provider.acronym})"
    if not service.is_active:
        label = str(_("%(service)s – suspended") % {"service": label})
    if getattr(service, "outside_area", False):
        label = str(_("%(service)s – no longer serves this area") % {"service": label})
    return label


class StepForm(forms.Form):
    """One step: its order, service type, services in order and a note."""

    order = forms.IntegerField(label=_("Order"), min_value=1, max_value=99, required=False)
    service_type = forms.ChoiceField(
        label=_("Service type"), choices=BLANK + ServiceType.choices, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, candidates: list[Service], slots: int = SLOTS, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = slots
        service_type = (
            self.data.get(self.add_prefix("service_type"))
            if self.is_bound
            else self.initial.get("service_type")
        )
        if service_type in ServiceType.values:
            offered = [s for s in candidates if s.service_type == service_type]
            choices = BLANK + [(str(s.pk), _service_label(s)) for s in offered]
        else:  # a new step: every service serving the area, grouped by type
            labels = dict(ServiceType.choices)
            groups: dict[str, list] = {}
            for s in candidates:
                groups.setdefault(s.service_type, []).append((str(s.pk), _service_label(s)))
            offered = candidates
            choices = BLANK + [(labels[t], rows) for t, rows in groups.items()]
        self.offered = {str(s.pk): s for s in offered}
        chosen = [s.pk for s in self.initial.get("services") or []]
        for rank in range(1, slots + 1):
            self.fields[f"service_{rank}"] = forms.ChoiceField(
                label=slot_label(rank),
                choices=choices,
                required=False,
                error_messages={
                    "invalid_choice": _(
                        "Choose a service of this step's type that serves the area, or "
                        "change the type and press “Update the lists”."
                    )
                },
            )
            if not self.is_bound and rank <= len(chosen):
                self.initial[f"service_{rank}"] = str(chosen[rank - 1])

    def service_fields(self):
        return [self[f"service_{rank}"] for rank in range(1, self.slots + 1)]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not (
            data.get("service_type")
            or data.get("note")
            or any(data.get(f"service_{rank}") for rank in range(1, self.slots + 1))
        )

    def clean(self):
        data = super().clean()
        services, seen = [], set()
        for rank in range(1, self.slots + 1):
            key = data.get(f"service_{rank}")
            if not key:
                continue  # an empty slot: the later choices move up
            if key in seen:
                self.add_error(f"service_{rank}", _("This service is already chosen in this step."))
                continue
            seen.add(key)
            services.append(self.offered[key])
        data["services"] = services
        if not data.get("service_type") and (services or data.get("note")):
            self.add_error("service_type", _("Choose the service type of this step."))
        return data


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[dict]:
        """The kept steps in the order asked for (rows without an order keep their place
        after the numbered ones)."""
        kept = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or form.is_blank():
                continue
            order = data.get("order")
            kept.append(((order if order is not None else 1000 + index, index), data))
        kept.sort(key=lambda pair: pair[0])
        return [
            {
                "service_type": data["service_type"],
                "services": data["services"],
                "note": data.get("note") or "",
            }
            for _key, data in kept
        ]


StepFormSet = forms.formset_factory(
    StepForm,
    formset=BaseStepFormSet,
    extra=EXTRA_STEPS,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_STEPS,
    validate_max=True,
)


def step_initial(steps: list[dict]) -> list[dict]:
    """Formset initial rows from steps ({"service_type", "services", "note"})."""
    return [
        {
            "order": position,
            "service_type": step["service_type"],
            "services": list(step.get("services") or []),
            "note": step.get("note") or "",
        }
        for position, step in enumerate(steps, start=1)
    ]


class PathwayForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes for field staff"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What field staff should know: how to reach the services safely, what to do out "
            "of hours, who coordinates."
        ),
    )


class PathwayStartForm(forms.Form):
    """Where and for whom to draw a new pathway."""

    area = AreaChoiceField(
        label=_("Area"),
        queryset=Area.objects.filter(level__in=LIST_LEVELS).order_by("pcode"),
        to_field_name="pcode",
    )
    need = forms.ChoiceField(label=_("Situation"), choices=BLANK + NeedKind.choices)


class PathwayFilterForm(forms.Form):
    region = AreaChoiceField(
        label=_("Region"),
        queryset=Area.objects.filter(level=1).order_by("pcode"),
        to_field_name="pcode",
        required=False,
        empty_label=_("All"),
    )
    cercle = AreaChoiceField(
        label=_("Cercle"),
        queryset=Area.objects.filter(level=2).order_by("pcode"),
        to_field_name="pcode",
        required=False,
        empty_label=_("All"),
    )
    need = forms.ChoiceField(
        label=_("Situation"), choices=[("", _("All")), *NeedKind.choices], required=False
    )
