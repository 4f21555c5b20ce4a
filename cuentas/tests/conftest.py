import itertools
import random

import pytest
from django.core.cache import cache

_ips = itertools.count(1)


@pytest.fixture(autouse=True)
def _limites_vacios():
    """allauth's rate limits live in the shared cache (Redis): each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ip():
    """Return a client address of this test's own, so no other test's attempts count against it."""

    def nueva() -> str:
        return f"10.{random.randint(0, 255)}.{next(_ips) % 256}.{random.randint(1, 254)}"

    return nueva
