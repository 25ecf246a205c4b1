"""Signals other apps listen to (incidents does not import them)."""

from django.dispatch import Signal

# Sent inside the consent service's transaction, with `incident` and `actor`.
consent_changed = Signal()
