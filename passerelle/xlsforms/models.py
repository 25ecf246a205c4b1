"""XLSForm versions an organisation imports from, and the mapping saved for each.

A `FormVersion` keeps what `forms.read_form` read from the uploaded XLSForm — questions,
groups, repeats, choice lists, labels in every language — and nothing of anybody's answers
(a form holds no personal data; its submissions do, and they never come here). One per
organisation, form id and version: uploading the same form version again reuses it.

A `FormMapping` is the officer's corrected mapping for one form version (its format is
documented in `passerelle.xlsforms.mapping`), saved so that the next export of the same form
version imports without asking again.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passerelle.core.models import BaseModel


class FormVersion(BaseModel):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="form_versions",
    )
    form_id = models.CharField(_("form id"), max_length=200)
    version = models.CharField(_("version"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # forms.FormDefinition.as_json(): the question tree and choice lists, no personal data.
    definition = models.JSONField(_("definition"), default=dict)
    digest = models.CharField(_("XLSForm digest (SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["form_id", "-created_at"]
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "form_id", "version"], name="unique_form_version"
            )
        ]

    def __str__(self):
        return f"{self.title or self.form_id} ({self.version})" if self.version else self.form_id

    def form(self):
        """The stored definition as a `forms.FormDefinition`."""
        from .forms import FormDefinition

        return FormDefinition.from_json(self.definition)


class FormMapping(BaseModel):
    form_version = models.OneToOneField(
        FormVersion,
        verbose_name=_("form version"),
        on_delete=models.CASCADE,
        related_name="mapping",
    )
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("form mapping")
        verbose_name_plural = _("form mappings")

    def __str__(self):
        return str(self.form_version)
