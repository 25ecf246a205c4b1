"""Forms for the mapping of trainings: shape only; `trainings.save_training` judges the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle.accounts.models import Organisation
from passerelle.core.forms import IsoDateInput
from passerelle.geography.models import Area

from .models import Audience, TrainingTopic
from .trainings import MAX_WINDOW_DAYS


def area_label(area) -> str:
    """An area named with its level, so that the Mopti region and cercle are told apart."""
    if area.level == Area.Level.REGION:
        return _("%(name)s (region)") % {"name": area.name}
    if area.level == Area.Level.CERCLE:
        region = area.parent.name if area.parent_id else ""
        return _("%(name)s (cercle, %(region)s)") % {"name": area.name, "region": region}
    if area.level == Area.Level.COMMUNE:
        return _("%(name)s (commune)") % {"name": area.name}
    return area.name


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return area_label(obj)


def _areas(max_level: int):
    return (
        Area.objects.filter(level__lte=max_level)
        .select_related("parent")
        .defer("geometry", "parent__geometry")
        .order_by("pcode")
    )


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=IsoDateInput())


class TrainingForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Given by"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", "---------"), *TrainingTopic.choices])
    audience = forms.ChoiceField(
        label=_("Audience"), choices=[("", "---------"), *Audience.choices]
    )
    area = AreaChoiceField(
        label=_("Where"),
        queryset=_areas(3),
        help_text=_("The cercle where it was given, or the region (or Mali) for a wider training."),
    )
    starts_on = _date(_("From"))
    ends_on = _date(_("To"))
    participants = forms.IntegerField(
        label=_("Participants"), initial=0, widget=forms.NumberInput({"min": 0})
    )
    women = forms.IntegerField(
        label=_("Of whom women"),
        required=False,
        widget=forms.NumberInput({"min": 0}),
        help_text=_("Leave empty if not known."),
    )
    language = forms.CharField(label=_("Language"), max_length=40, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("E.g. scenario-based exercise, trainers, materials. No personal data."),
    )

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["provider"].queryset = providers
            if providers.count() == 1 and not self.is_bound:
                self.initial.setdefault("provider", providers.get().pk)

    def training_fields(self) -> dict:
        return dict(self.cleaned_data)


class TrainingFilterForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", _("All")), *TrainingTopic.choices], required=False
    )
    audience = forms.ChoiceField(
        label=_("Audience"), choices=[("", _("All")), *Audience.choices], required=False
    )
    provider = forms.ModelChoiceField(
        label=_("Given by"),
        queryset=Organisation.objects.filter(active=True),
        required=False,
        empty_label=_("All"),
    )
    area = AreaChoiceField(
        label=_("Region or cercle"),
        queryset=_areas(2).filter(level__gte=1),
        to_field_name="pcode",
        required=False,
        empty_label=_("All of Mali"),
    )
    start = _date(_("From"), required=False)
    end = _date(_("Until"), required=False)
    window = forms.IntegerField(
        label=_("Tolerance (days)"),
        required=False,
        min_value=0,
        max_value=MAX_WINDOW_DAYS,
        help_text=_("Also count as duplicates trainings this many days apart."),
    )
    duplicates = forms.BooleanField(label=_("Likely duplicates only"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end comes before the start."))
        return data


class TrainingMapForm(TrainingFilterForm):
    LEVELS = [("cercle", _("Cercles")), ("region", _("Regions"))]
    COLOURS = [("flags", _("Likely duplicates")), ("count", _("Number of trainings"))]

    level = forms.ChoiceField(label=_("Show"), choices=LEVELS, required=False)
    colour = forms.ChoiceField(label=_("Colour the map by"), choices=COLOURS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["duplicates"]
        area = self.fields["area"]
        area.queryset = area.queryset.filter(level=Area.Level.REGION)
        area.label = _("Region")
