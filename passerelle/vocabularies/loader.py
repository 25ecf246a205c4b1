"""Load the reference terms of ``data.TERMS`` into the database.

``sync_terms`` takes the model class as an argument so that a data migration can pass the
historical model::

    def load(apps, schema_editor):
        from passerelle.vocabularies.loader import sync_terms
        sync_terms(apps.get_model("vocabularies", "Term"))
"""

from django.db import transaction


def _ordered(terms):
    """(position, entry) pairs, parents before children (stable within a depth level)."""
    by_key = {(entry["vocabulary"], entry["code"]): entry for entry in terms}
    depths = {}

    def depth(key, seen=()):
        if key in depths:
            return depths[key]
        entry = by_key.get(key)
        if entry is None or entry["parent"] is None:
            value = 0
        else:
            parent_key = (entry["vocabulary"], entry["parent"])
            if parent_key in seen:
                raise ValueError(f"Cycle in vocabulary terms at {key!r}.")
            value = depth(parent_key, (*seen, key)) + 1
        depths[key] = value
        return value

    positioned = list(enumerate(terms))
    positioned.sort(key=lambda item: depth((item[1]["vocabulary"], item[1]["code"])))
    return positioned


def sync_terms(Term, terms=None) -> int:
    """Create or update every term of ``terms`` (default: ``data.TERMS``), keyed by
    (vocabulary, code). Labels, standard, sort order and parent of existing terms are brought in
    line with the data; terms absent from the data are left alone (administrators may have added
    them) and ``active`` is never touched. Returns the number of terms created. Idempotent.
    """
    if terms is None:
        from passerelle.vocabularies.data import TERMS

        terms = TERMS
    manager = Term._default_manager
    vocabularies = {entry["vocabulary"] for entry in terms}
    created = 0
    with transaction.atomic(using=manager.db):
        existing = {
            (term.vocabulary, term.code): term
            for term in manager.filter(vocabulary__in=vocabularies)
        }
        for position, entry in _ordered(terms):
            vocabulary, code = entry["vocabulary"], entry["code"]
            parent = None
            if entry["parent"] is not None:
                parent = existing.get((vocabulary, entry["parent"]))
                if parent is None:
                    raise ValueError(
                        f"Parent {entry['parent']!r} of {vocabulary}/{code} does not exist."
                    )
            values = {
                "label_en": entry["en"],
                "label_fr": entry["fr"],
                "standard": entry.get("standard") or "",
                "sort_order": position,
                "parent_id": parent.pk if parent is not None else None,
            }
            term = existing.get((vocabulary, code))
            if term is None:
                term = manager.create(vocabulary=vocabulary, code=code, **values)
                existing[(vocabulary, code)] = term
                created += 1
                continue
            changed = [field for field, value in values.items() if getattr(term, field) != value]
            if changed:
                for field in changed:
                    setattr(term, field, values[field])
                term.save(update_fields=[f.removesuffix("_id") for f in changed])
    return created
