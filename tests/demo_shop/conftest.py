import pytest


@pytest.fixture
def backend() -> str:
    return "sqlite"
