import pytest

from myproject.testing import usar_hash_rapido


@pytest.fixture(autouse=True)
def _hash_rapido(settings):
    usar_hash_rapido(settings)
