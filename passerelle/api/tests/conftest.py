import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The API's rate limit counts in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()
