"""The classification level of each field shown to users (DESIGN.md levels)."""

INCIDENT_FIELDS = {
    "reference": 2,
    "owner": 2,
    "occurred_on": 2,
    "date_precision": 2,
    "reported_on": 2,
    "area": 2,  # shown no finer than admin 2 below level 3
    "category": 2,
    "sub_type": 2,
    "data_category": 2,
    "perpetrator": 2,
    "victim_counts": 2,
    "source_reliability": 2,
    "verification_status": 2,
    "classification": 2,
    "source_type": 3,
    "recorded_by": 3,
    "verification_history": 3,
    "narrative": 3,
    "exact_location": 3,
    "latitude": 3,
    "longitude": 3,
    "persons": 3,
}

PERSON_FIELDS = {
    "code": 3,
    "role": 3,
    "sex": 3,
    "age": 3,
    "age_group": 3,
    "disability": 3,
    "displacement_status": 3,
    "consents": 3,
    "full_name": 4,
    "father_name": 4,
    "mother_name": 4,
    "phone": 4,
    "address": 4,
}

IDENTITY_FIELDS = ("full_name", "father_name", "mother_name", "phone", "address")
