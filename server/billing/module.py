from server.billing import handlers
from server.modules import Module

module = Module(
    name="billing",
    routes=handlers.routes,
    permissions={
        "billing:read": "See houses, apartments, meters, readings, tariffs, billing runs and bills",
        "billing:write": "Create and edit houses, apartments, meters, readings and tariffs",
        "billing:runs": "Start billing runs (calculate a house's bills for a month)",
    },
    grants={"accountant": ["billing:read", "billing:write", "billing:runs"]},
    background=handlers.background,
    tasks="server.billing.tasks",
)
