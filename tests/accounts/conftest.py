import pytest

from server.accounts.models import User
from tests.conftest import ApiSession


def user_id(username: str) -> int:
    return User.get(User.username == username).id


class BearerSession(ApiSession):
    """A session that sends `Authorization: Bearer <token>` and nothing else."""

    def __init__(self, base_url: str, token: str):
        super().__init__(base_url)
        self.headers["Authorization"] = f"Bearer {token}"


@pytest.fixture
def bearer(live_server):
    sessions = []

    def make(token: str) -> BearerSession:
        sessions.append(BearerSession(live_server.url, token))
        return sessions[-1]

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def issue_token(as_role):
    """`issue_token("cashier", name="x")` -> the JSON of a fresh token issued with Basic credentials."""

    def issue(role: str, **params) -> dict:
        response = as_role(role).post("/api/v1/auth/token", params=params)
        assert response.status_code == 201, response.text
        return response.json()

    return issue
