from celery.schedules import crontab

from server.analytics import handlers, models, pipeline
from server.modules import Command, Module

module = Module(
    name="analytics",
    routes=handlers.routes,
    permissions={
        "analytics:receipts:write": "Submit purchase receipts (POST /api/checks/)",
        "analytics:read": "See places, analytics, the receipt event log, the outbox and dead letters",
    },
    grants={"pos": ["analytics:receipts:write"], "analyst": ["analytics:read"]},
    background=handlers.background,
    tasks="server.analytics.tasks",
    beat={"analytics-recompute-hourly": {"task": "analytics.recompute_recent_hours",
                                         "schedule": crontab(minute=5), "args": (3,)}},
    fixtures={"analytics.Place": models.Place},
    commands=[Command("relay", "publish the analytics outbox to Kafka", pipeline.command_relay),
              Command("consume", "consume receipts from Kafka into the analytics (group analytics)",
                      pipeline.command_consume)],
)
