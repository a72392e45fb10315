from server.accounts import handlers, service
from server.cache import Following
from server.modules import Module

module = Module(
    name="accounts",
    routes=handlers.routes,
    permissions={
        handlers.SELF: "Use one's own account: sign in, tokens, /api/v1/me",
        "accounts:users:read": "See users and their tokens",
        "accounts:users:write": "Create, edit and deactivate users, set passwords, revoke tokens",
    },
    grants={role: [handlers.SELF] for role in ("cashier", "analyst", "accountant", "erp", "pos")},
    background=[Following(service.credential_cache)],
    reset=service.credential_cache.invalidate,
)
