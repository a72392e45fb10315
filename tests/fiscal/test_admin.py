"""The admin's REST API: service groups with their devices, access lists, start and stop, models."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.accounts import service as accounts
from server.accounts.models import User
from server.fiscal import messages
from tests.conftest import ApiSession
from tests.fiscal.conftest import receipt_body, receipts_url, stored_receipts, wait_done


def test_the_models_list_has_the_emulator_with_its_config_schema(api):
    models = api.get("/api/v1/cash-register-models").json()
    emulator = next(m for m in models["items"] if m["name"] == "emulator")
    properties = emulator["config_schema"]["properties"]
    assert {"fn_serial", "registration_number", "tax_systems", "synthetic_sign"} <= set(properties)
    assert emulator["defaults"]["synthetic_sign"] is True


def test_a_group_is_created_stopped_with_the_validated_config(api):
    created = api.post("/api/v1/service-groups", json={"name": "Касса 1", "model": "emulator",
                                                       "config": {"fn_serial": "1234567890123456"}})
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["state"] == "stopped" and group["config"]["fn_serial"] == "1234567890123456"
    assert group["config"]["synthetic_sign"] is True and group["shift"] is None and group["user_ids"] == []
    assert api.get(f"/api/v1/service-groups/{group['id']}").json()["name"] == "Касса 1"
    assert api.get("/api/v1/service-groups").json()["total"] == 1


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "model": "atol"}, "model"),
    ({"name": "x", "model": "emulator", "config": {"fn_serial": "12"}}, "config.fn_serial"),
    ({"name": "x", "model": "emulator", "config": {"tax_systems": [3]}}, "config.tax_systems.0"),
    ({"name": "x", "model": "emulator", "config": {"synthetic_sign": False}}, "config.synthetic_sign"),
    ({"name": "x", "model": "emulator", "config": {"colour": "red"}}, "config.colour"),
    ({"model": "emulator"}, "name"),
])
def test_a_bad_model_or_config_is_400_naming_the_field(api, body, field):
    answer = api.post("/api/v1/service-groups", json=body)
    assert answer.status_code == 400 and field in answer.json()["details"], answer.text
    assert api.get("/api/v1/service-groups").json()["total"] == 0


def test_start_stop_rename_and_delete(api, group):
    url = f"/api/v1/service-groups/{group['id']}"
    assert group["state"] == "running"
    assert api.post(url + "/device/stop").json()["state"] == "stopped"
    assert api.patch(url, json={"name": "Новое имя"}).json()["name"] == "Новое имя"
    assert api.patch(url, json={"config": {"fn_serial": "x"}}).status_code == 400
    assert api.delete(url).status_code == 200
    assert api.get(url).status_code == 404


def test_the_access_list_is_read_and_replaced(api, group):
    url = f"/api/v1/service-groups/{group['id']}/access"
    ids = [u.id for u in User.select().where(User.username.in_(["admin", "cashier"])).order_by(User.id)]
    replaced = api.put(url, json={"user_ids": ids})
    assert replaced.status_code == 200 and replaced.json()["user_ids"] == ids
    assert [u["username"] for u in api.get(url).json()["users"]] == ["admin", "cashier"]
    assert api.put(url, json={"user_ids": [999999]}).status_code == 400
    pos = User.get(User.username == "pos").id
    refused = api.put(url, json={"user_ids": [*ids, pos]})  # accounts.md: the list is for cashiers
    assert refused.status_code == 400 and str(pos) in refused.json()["details"]["user_ids"][0]
    assert api.get(url).json()["user_ids"] == ids
    assert api.put(url, json={"user_ids": []}).json()["user_ids"] == []


GROUP_ENDPOINTS = [
    ("post", "/receipts/"), ("get", "/receipts/"), ("get", "/receipts/1"), ("get", "/shift"),
    ("post", "/shift/open"), ("post", "/shift/close"), ("get", "/receipts/1/qr"), ("post", "/receipts/1/retry"),
]


@pytest.fixture
def cashier_off_the_list(live_server):
    User.create(username="cashier-2", password=accounts.hash_password("cashier-2-password"), role="cashier")
    with ApiSession(live_server.url, ("cashier-2", "cashier-2-password")) as session:
        yield session


@pytest.mark.parametrize("method, path", GROUP_ENDPOINTS)
def test_a_user_off_the_access_list_gets_403_on_every_endpoint_and_a_missing_group_is_404(
        as_role, cashier, cashier_off_the_list, group, method, path):
    cashier.post(receipts_url(group), json=receipt_body())
    before = stored_receipts()
    for outsider in (cashier_off_the_list, as_role("analyst")):  # off the list; a role with no fiscal work
        answer = getattr(outsider, method)(f"/service_groups/{group['id']}{path}", json=receipt_body())
        assert answer.status_code == 403 and answer.json()["error"]
    missing = getattr(cashier, method)(f"/service_groups/999999{path}", json=receipt_body())
    assert missing.status_code == 404
    assert stored_receipts() == before


def test_wrong_credentials_are_401(anonymous, group):
    answer = anonymous.post(receipts_url(group), json=receipt_body(), auth=("cashier", "wrong"))
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Basic")
    assert stored_receipts() == 0


def test_a_bearer_token_works_too(anonymous, cashier, group):
    token = cashier.post("/api/v1/auth/token", params={"name": "pos"})
    assert token.status_code in (200, 201), token.text
    answer = anonymous.post(receipts_url(group), json=receipt_body(),
                            headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert answer.status_code == 200, answer.text


def test_shift_open_twice_is_409_and_close_without_a_shift_is_409(cashier, group):
    base = f"/service_groups/{group['id']}/shift"
    opened = cashier.post(base + "/open")
    assert opened.status_code == 200 and opened.json()["number"] == 1 and opened.json()["is_open"]
    assert cashier.post(base + "/open").status_code == 409
    assert cashier.post(base + "/close").json()["closed_at"]
    assert cashier.post(base + "/close").status_code == 409


def test_a_user_taken_off_the_access_list_is_refused_at_once(api, cashier, group):
    assert cashier.get(receipts_url(group)).status_code == 200
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: cashier.get(receipts_url(group)), range(16)))
    assert api.put(f"/api/v1/service-groups/{group['id']}/access", json={"user_ids": []}).status_code == 200
    assert cashier.get(receipts_url(group)).status_code == 403
    assert cashier.post(receipts_url(group), json=receipt_body()).status_code == 403
    assert stored_receipts() == 0


def test_the_device_may_come_nested_and_the_access_list_as_users(api):
    created = api.post("/api/v1/service-groups", json={"name": "Вложенная", "device": {
        "model": "emulator", "config": {"fn_serial": "1111222233334444"}}})
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["device"]["model"] == "emulator" and group["device"]["config"]["fn_serial"] == "1111222233334444"
    user = User.get(User.username == "cashier")
    answer = api.put(f"/api/v1/service-groups/{group['id']}/access", json={"users": [user.id]})
    assert answer.status_code == 200 and answer.json()["user_ids"] == [user.id]


def test_a_deleted_group_is_not_found_on_every_endpoint_even_if_seen_just_before(api, group, cashier):
    """The access check remembers groups it has seen; a group deleted since must be 404, not a crash
    on its missing device."""
    base = f"/service_groups/{group['id']}"
    for session in (api, cashier):  # the group is seen (and remembered) by both
        assert session.get(base + "/shift").status_code in (200, 404)
    assert api.delete(f"/api/v1/service-groups/{group['id']}").status_code == 200
    for method, path in [("post", base + "/shift/open"), ("post", base + "/shift/close"), ("get", base + "/shift"),
                         ("get", base + "/receipts/"), ("get", base + "/receipts/1")]:
        assert getattr(api, method)(path).status_code == 404, (method, path)
        assert getattr(cashier, method)(path).status_code == 404, (method, path)


def test_a_group_with_fiscal_receipts_is_not_deleted(api, cashier, group):
    wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
    url = f"/api/v1/service-groups/{group['id']}"
    refused = api.delete(url)
    assert refused.status_code == 409 and refused.json()["error"] == messages.GROUP_HAS_RECEIPTS
    assert api.get(url).status_code == 200 and api.get(f"{receipts_url(group)}").json()["total"] == 1


def test_a_config_patch_changes_the_keys_sent_and_keeps_the_others(api, group):
    url = f"/api/v1/service-groups/{group['id']}"
    assert api.get(url).json()["config"]["tax_systems"] == [1, 2]
    patched = api.patch(url, json={"config": {"cashier": "Петров"}})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["config"]["cashier"], patched.json()["config"]["tax_systems"]) == ("Петров", [1, 2])
    reset = api.patch(url, json={"config": {"tax_systems": None}}).json()["config"]  # null: back to the default
    assert reset["cashier"] == "Петров" and reset["tax_systems"] != [1, 2]


def test_a_device_that_names_its_own_cashier_prints_that_name(api, cashier, group):
    api.patch(f"/api/v1/service-groups/{group['id']}", json={"config": {"cashier": "Петров П.П."}}).raise_for_status()
    report = wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
    assert report["state"] == "success" and report["cashier"] == "Петров П.П."
