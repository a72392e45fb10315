import logging

from server.modules import Module
from server.payments import handlers, messages, models
from server.settings import settings

log = logging.getLogger("server.payments")


class WebhookSecretCheck:
    """At start: the production profile refuses to run without BANK_WEBHOOK_SECRET; the embedded
    profile runs without it, taking webhooks unsigned, and says so in the log."""

    def start(self) -> None:
        if settings.bank_webhook_secrets:
            return
        if not settings.embedded:
            raise SystemExit(f"cannot start: {messages.NO_SECRET}")
        log.warning("BANK_WEBHOOK_SECRET is not set: POST %s takes webhooks UNSIGNED (embedded profile); "
                    "set it before a bank can reach this server", handlers.WEBHOOK_PATH)

    async def stop(self) -> None:
        pass


module = Module(
    name="payments",
    routes=handlers.routes,
    permissions={
        "payments:balance:read": "See an organization's balance (GET /api/v1/organizations/{inn}/balance/)",
        "payments:organizations:read": "See organizations and their balance log",
        "payments:organizations:write": "Create, rename and delete organizations",
        "payments:payments:read": "See payments and the reconciliation",
        "payments:deliveries:read": "See every webhook received, with its outcome (payments.md: admins)",
        "payments:payments:write": "Assign unmatched payments, reconcile now",
        "payments:simulator": "Send test webhooks from the simulator page",
    },
    grants={"accountant": ["payments:balance:read", "payments:organizations:read", "payments:payments:read"]},
    background=[WebhookSecretCheck()],
    tasks="server.payments.tasks",
    beat={"payments-reconcile": {"task": "payments.reconcile", "schedule": 3600.0}},
    fixtures={"payments.Organization": models.Organization},
)
