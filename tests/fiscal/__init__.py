import secrets

from server.fiscal.models import CashRegister, ServiceGroup


def make_group(name: str = "Группа", state: str = "stopped", **config) -> ServiceGroup:
    from server.fiscal.drivers import EmulatorConfigSchema

    group = ServiceGroup.create(name=name)
    CashRegister.create(group=group, model="emulator", config=EmulatorConfigSchema().load(config),
                        secret=secrets.token_hex(16), state=state)
    return group


def access_path_values() -> dict:
    return {"group_id": make_group("Доступ", state="running").id}
