from server.fiscal import handlers
from server.modules import Module

GROUP_USERS = ["fiscal:receipts:write", "fiscal:receipts:read", "fiscal:shifts:write", "fiscal:shifts:read"]

module = Module(
    name="fiscal",
    routes=handlers.routes,
    permissions={
        "fiscal:receipts:write": "Register receipts in the service groups whose access list has the user",
        "fiscal:receipts:read": "Read receipts of the service groups whose access list has the user",
        "fiscal:shifts:write": "Open and close shifts of those service groups",
        "fiscal:shifts:read": "See the open shift (X report) of those service groups",
        "fiscal:groups:read": "See service groups, their devices, access lists and cash register models",
        "fiscal:groups:write": "Create, change and delete service groups, their access lists; start and stop devices",
    },
    # accounts.md: cashiers register receipts and work shifts, in the groups whose access list names them.
    grants={"cashier": GROUP_USERS},
    background=handlers.background,
    tasks="server.fiscal.tasks",
    reset=handlers.access_cache.invalidate,
)
