"""The admin's users API and /api/v1/me."""
import pytest

from server.accounts import service
from server.accounts.models import Token, User
from server.modules import all_permissions, permissions_of
from tests.accounts.conftest import user_id
from tests.conftest import ApiSession

NEW_USER = {"username": "maria", "password": "maria-secret", "role": "cashier", "full_name": "Мария Иванова",
            "email": "maria@example.com"}


def add_users():
    service.create_user("olga_k", "password1", "accountant", full_name="Ольга Кузнецова",
                        email="olga@shop.ru")
    service.create_user("olgaXk", "password1", "analyst", full_name="Olga X")
    service.create_user("petr", "password1", "cashier", full_name="Пётр", is_active=False)


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [u["username"] for u in response.json()["items"]]


def test_me_tells_each_role_who_it_is_and_what_it_may_do(as_role):
    for role in ("admin", "erp", "accountant"):
        me = as_role(role).get("/api/v1/me").json()
        assert (me["username"], me["role"], me["full_name"]) == (role, role, f"Test {role}")
        assert set(me) == {"id", "username", "full_name", "email", "role", "is_active", "created_at",
                           "last_login_at", "permissions"}
        assert me["permissions"] == sorted(permissions_of(role)) and "accounts:self" in me["permissions"]
    assert set(as_role("admin").get("/api/v1/me").json()["permissions"]) == set(all_permissions())
    assert "printing:orders:create" in as_role("erp").get("/api/v1/me").json()["permissions"]
    assert "printing:printers:read" not in as_role("erp").get("/api/v1/me").json()["permissions"]


def test_users_are_listed_with_filters_paging_and_sorting(api):
    add_users()
    everything = api.get("/api/v1/users").json()
    assert everything["total"] == 9 and len(everything["items"]) == 9
    assert all("password" not in u for u in everything["items"])
    assert names(api.get("/api/v1/users", params={"role": "cashier"})) == ["cashier", "petr"]
    assert names(api.get("/api/v1/users", params={"is_active": "false"})) == ["petr"]
    assert len(names(api.get("/api/v1/users", params={"is_active": "true"}))) == 8
    assert names(api.get("/api/v1/users", params={"role": "cashier", "is_active": "true"})) == ["cashier"]
    # search: a case-insensitive part of the username, full name or e-mail; _ and % are plain characters
    assert names(api.get("/api/v1/users", params={"search": "OLGA"})) == ["olga_k", "olgaXk"]
    assert names(api.get("/api/v1/users", params={"search": "olga_"})) == ["olga_k"]
    assert names(api.get("/api/v1/users", params={"search": "%"})) == []
    assert names(api.get("/api/v1/users", params={"search": "shop.ru"})) == ["olga_k"]
    assert names(api.get("/api/v1/users", params={"search": "Пётр"})) == ["petr"]

    page = api.get("/api/v1/users", params={"sort": "username", "order": "desc", "limit": 3, "offset": 2})
    ordered = sorted((u["username"] for u in everything["items"]), reverse=True)
    assert names(page) == ordered[2:5] and page.json()["total"] == 9
    assert names(api.get("/api/v1/users", params={"sort": "role", "limit": 1})) == ["accountant"]


@pytest.mark.parametrize("params, field", [
    ({"role": "boss"}, "role"), ({"is_active": "maybe"}, "is_active"), ({"limit": 501}, "limit"),
    ({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"sort": "password"}, "sort"),
    ({"order": "up"}, "order"), ({"search": "x" * 101}, "search"),
])
def test_bad_list_parameters_get_400_naming_the_parameter(api, params, field):
    response = api.get("/api/v1/users", params=params)
    assert response.status_code == 400
    assert list(response.json()["details"]) == [field]


def test_user_is_created_with_a_scrypt_password_and_can_log_in(api, live_server):
    response = api.post("/api/v1/users", json=NEW_USER)
    assert response.status_code == 201
    created = response.json()
    assert created["username"] == "maria" and created["role"] == "cashier" and created["is_active"] is True
    assert "password" not in created
    stored = User.get(User.username == "maria").password
    assert stored.startswith("scrypt$") and "maria-secret" not in stored
    assert service.check_password("maria-secret", stored)
    assert not service.check_password("maria-secreT", stored)
    with ApiSession(live_server.url, ("maria", "maria-secret")) as maria:
        assert maria.get("/api/v1/me").json()["id"] == created["id"]


def test_same_password_gets_a_different_salt(api):
    api.post("/api/v1/users", json=NEW_USER).raise_for_status()
    api.post("/api/v1/users", json={**NEW_USER, "username": "maria2"}).raise_for_status()
    first, second = (User.get(User.username == n).password for n in ("maria", "maria2"))
    assert first != second


def test_a_taken_username_gets_409_and_creates_nothing(api):
    response = api.post("/api/v1/users", json={**NEW_USER, "username": "cashier"})
    assert response.status_code == 409
    assert response.json()["error"]
    assert User.select().count() == 6


@pytest.mark.parametrize("body, fields", [
    ({}, {"username", "password", "role"}),
    ({**NEW_USER, "role": "boss"}, {"role"}),
    ({**NEW_USER, "password": "1234"}, {"password"}),
    ({**NEW_USER, "username": "has space"}, {"username"}),
    ({**NEW_USER, "email": "not-an-email"}, {"email"}),
    ({**NEW_USER, "is_active": "perhaps"}, {"is_active"}),
    ({**NEW_USER, "is_active": 0}, {"is_active"}),
    ({**NEW_USER, "full_name": None}, {"full_name"}),
    ({**NEW_USER, "id": 77}, {"id"}),
    ({**NEW_USER, "extra": 1}, {"extra"}),
])
def test_invalid_new_user_gets_400_naming_each_field(api, body, fields):
    response = api.post("/api/v1/users", json=body)
    assert response.status_code == 400
    assert set(response.json()["details"]) == fields
    assert User.select().count() == 6


def test_user_is_edited_field_by_field(api):
    cashier = user_id("cashier")
    response = api.patch(f"/api/v1/users/{cashier}", json={"full_name": "Кассир Иван"})
    assert response.status_code == 200
    edited = response.json()
    assert (edited["full_name"], edited["role"], edited["username"]) == ("Кассир Иван", "cashier", "cashier")
    edited = api.patch(f"/api/v1/users/{cashier}", json={"role": "analyst", "email": "ivan@example.com"})
    assert (edited.json()["role"], edited.json()["email"]) == ("analyst", "ivan@example.com")
    assert edited.json()["full_name"] == "Кассир Иван"
    assert api.patch(f"/api/v1/users/{cashier}", json={"email": ""}).json()["email"] == ""
    user = User.get_by_id(cashier)
    assert (user.role, user.full_name, user.email) == ("analyst", "Кассир Иван", "")
    assert service.check_password("cashier-password", user.password)


def test_editing_to_a_taken_username_gets_409_and_changes_nothing(api):
    response = api.patch(f"/api/v1/users/{user_id('cashier')}",
                         json={"username": "analyst", "full_name": "X"})
    assert response.status_code == 409
    assert User.get_by_id(user_id("cashier")).full_name == "Test cashier"


def test_editing_an_unknown_user_gets_404(api):
    assert api.patch("/api/v1/users/999999", json={"full_name": "X"}).status_code == 404
    assert api.get("/api/v1/users/999999").status_code == 404
    assert api.get(f"/api/v1/users/{user_id('pos')}").json()["username"] == "pos"


def test_a_role_change_applies_to_the_next_request(api, as_role):
    assert as_role("analyst").get("/api/v1/users").status_code == 403
    api.patch(f"/api/v1/users/{user_id('analyst')}", json={"role": "admin"}).raise_for_status()
    assert as_role("analyst").get("/api/v1/users").status_code == 200


def test_deactivated_user_is_kept_gets_401_and_loses_its_tokens(api, as_role, issue_token, bearer):
    token = issue_token("cashier")["token"]
    assert bearer(token).get("/api/v1/me").status_code == 200
    response = api.delete(f"/api/v1/users/{user_id('cashier')}")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert User.get(User.username == "cashier").is_active is False
    assert Token.select().count() == 0
    assert bearer(token).get("/api/v1/me").status_code == 401
    assert as_role("cashier").get("/api/v1/me").status_code == 401
    api.patch(f"/api/v1/users/{user_id('cashier')}", json={"is_active": True}).raise_for_status()
    assert as_role("cashier").get("/api/v1/me").status_code == 200


def test_an_admin_cannot_lock_themselves_out(api):
    admin = user_id("admin")
    assert api.delete(f"/api/v1/users/{admin}").status_code == 409
    assert api.patch(f"/api/v1/users/{admin}", json={"is_active": False}).status_code == 409
    assert api.patch(f"/api/v1/users/{admin}", json={"role": "cashier"}).status_code == 409
    user = User.get_by_id(admin)
    assert user.is_active and user.role == "admin"
    assert api.patch(f"/api/v1/users/{admin}", json={"full_name": "Главный"}).status_code == 200


def test_password_reset_replaces_the_password_and_revokes_tokens(api, live_server, issue_token, bearer):
    token = issue_token("cashier")["token"]
    response = api.post(f"/api/v1/users/{user_id('cashier')}/password", json={"password": "brand-new-pass"})
    assert response.status_code == 200 and "password" not in response.json()
    assert bearer(token).get("/api/v1/me").status_code == 401
    with ApiSession(live_server.url, ("cashier", "cashier-password")) as old:
        assert old.get("/api/v1/me").status_code == 401
    with ApiSession(live_server.url, ("cashier", "brand-new-pass")) as new:
        assert new.get("/api/v1/me").status_code == 200
    assert User.get(User.username == "cashier").password.startswith("scrypt$")


@pytest.mark.parametrize("body", [{}, {"password": "abc"}, {"password": 12345678}, {"password": "x" * 129}])
def test_bad_new_password_gets_400_and_keeps_the_old_one(api, as_role, body):
    response = api.post(f"/api/v1/users/{user_id('cashier')}/password", json=body)
    assert response.status_code == 400 and "password" in response.json()["details"]
    assert as_role("cashier").get("/api/v1/me").status_code == 200


def test_users_api_is_for_admins_only(as_role):
    for role in ("cashier", "analyst", "accountant", "erp", "pos"):
        session = as_role(role)
        assert session.get("/api/v1/users").status_code == 403
        assert session.post("/api/v1/users", json=NEW_USER).status_code == 403
    assert User.select().count() == 6
