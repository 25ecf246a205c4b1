import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """These tests assert the English wording of messages."""
    with translation.override("en"):
        yield
