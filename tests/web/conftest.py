import pytest

from tests.web.personas import PASSWORD, Cast, build_cast


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


@pytest.fixture
def signed_in(client, cast):
    """``signed_in("mo")`` signs the client in as that persona and returns it."""

    def sign_in(name: str):
        assert client.login(username=name, password=PASSWORD)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _fresh_guess_counts():
    """Each test starts under the guessing limit (the cache outlives a single test)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
