"""Names kept in both languages (organisations, services, bodies, protocols): the one shown is
the reader's language, falling back on the French name when no English one was given."""

from django.utils.translation import get_language


def reader_is_english() -> bool:
    return (get_language() or "fr").startswith("en")


def in_reader_language(french: str, english: str) -> str:
    """The English name for an English reader when there is one, else the French name."""
    return english if english and reader_is_english() else french
