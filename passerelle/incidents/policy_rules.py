"""The incidents app's record families, registered with the policy when the app is ready.

An incident, the persons in it and their consents share one grant: the clearance the user
holds on the incident (passerelle/policy/gate.py, `records_family`).
"""

from passerelle.policy.gate import records_family
from passerelle.policy.registry import register

from .models import Consent, Incident, Person

register(records_family("incidents", (Incident,), "", shows_fields=True))
register(records_family("persons", (Person,), "incident", shows_fields=True))
register(records_family("consents", (Consent,), "person__incident"))
