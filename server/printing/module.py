from server.modules import Module
from server.printing import handlers, models
from server.printing.polling import poll_cache

module = Module(
    name="printing",
    routes=handlers.routes,
    permissions={
        "printing:orders:create": "Create the checks of an order (POST /create_checks/)",
        "printing:printers:read": "See printers",
        "printing:printers:write": "Create, edit and deactivate printers, give them new keys",
        "printing:checks:read": "See checks, their orders and PDFs",
        "printing:checks:write": "Retry a check's render, reprint a check",
    },
    grants={"erp": ["printing:orders:create"]},
    background=handlers.background,
    tasks="server.printing.tasks",
    fixtures={"printing.Printer": models.Printer},
    reset=poll_cache.clear,
)
