"""Notifications are worded when shown, in the reader's language: a parameter stores a code,
never words. Referrals received before this stored their urgency as the words of the
language in use when they were sent ("Normale", "Urgent (within 72 hours)"); put the code back
so that every reader reads it in their own language."""

from django.db import migrations
from django.utils import translation

# the urgency codes of referrals and the (English) words they were stored with
URGENCIES = {
    "routine": ("Routine", "Normal", "Normale"),
    "urgent": ("Urgent (within 72 hours)",),
    "emergency": ("Emergency (same day)",),
}


def _codes_by_words() -> dict:
    codes = {}
    for code, words in URGENCIES.items():
        codes[code] = code
        for english in words:
            codes[english] = code
            for language in ("fr", "en"):
                with translation.override(language):
                    codes[translation.gettext(english)] = code
    return codes


def words_to_codes(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    codes = _codes_by_words()
    for notification in Notification.objects.filter(kind="referral.received").iterator():
        params = dict(notification.params or {})
        urgency = params.get("urgency")
        if isinstance(urgency, str) and urgency in codes and codes[urgency] != urgency:
            params["urgency"] = codes[urgency]
            Notification.objects.filter(pk=notification.pk).update(params=params)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_jobs")]

    operations = [migrations.RunPython(words_to_codes, migrations.RunPython.noop)]
