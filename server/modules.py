"""The one list of modules, and what each module gives the plumbing.

Each name in MODULES is a package `server.<name>` whose `module.py` holds `module = Module(...)`. The
application's routes, the background services, the Celery task modules and beat schedule, the
fixtures `loaddata` knows, the commands of `python -m server`, the role -> permission table and the
tests' reset all loop over this list (docs/modules.md).
"""
import functools
import importlib
from dataclasses import dataclass, field

MODULES = (
    "accounts",
    "printing",
    "fiscal",
    "payments",
    "billing",
    "analytics",
)


@dataclass(frozen=True)
class Command:
    """A command of `python -m server`: `run(args)` with the arguments `arguments` adds to its parser."""

    name: str
    help: str
    run: object
    arguments: object = None  # arguments(parser) adds the command's options


@dataclass(frozen=True)
class Module:
    name: str
    routes: list
    permissions: dict = field(default_factory=dict)  # permission -> what it lets a user do
    grants: dict = field(default_factory=dict)  # role -> this module's permissions it has (admin: all)
    background: list = field(default_factory=list)  # start() and async stop(), beside the HTTP server
    tasks: str | None = None  # the module's Celery task module
    beat: dict = field(default_factory=dict)  # Celery beat schedule entries
    fixtures: dict = field(default_factory=dict)  # "module.Model" -> model, for loaddata
    commands: list = field(default_factory=list)  # Command(...) of python -m server
    reset: object = None  # forget in-memory state (tests call it between tests)

    def __post_init__(self):
        for role, granted in self.grants.items():
            unknown = set(granted) - set(self.permissions)
            if unknown:
                raise ValueError(f"{self.name}: {role} is granted undeclared permissions {sorted(unknown)}")


@functools.cache
def modules() -> tuple[Module, ...]:
    return tuple(importlib.import_module(f"server.{name}.module").module for name in MODULES)


@functools.cache
def all_permissions() -> dict[str, str]:
    return {name: what for module in modules() for name, what in module.permissions.items()}


@functools.cache
def role_permissions() -> dict[str, frozenset]:
    """The one table from roles to permissions: what each module grants; the admin has every one."""
    from server.accounts.models import ROLES

    table = {role: set() for role in ROLES}
    for module in modules():
        for role, granted in module.grants.items():
            table[role].update(granted)
    table["admin"] = set(all_permissions())
    return {role: frozenset(granted) for role, granted in table.items()}


def permissions_of(role: str) -> frozenset:
    return role_permissions().get(role, frozenset())
