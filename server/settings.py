"""Every setting of the server, read once from the environment (and an optional `.env`).

Each one is documented in `.env.example`. Tests change them by assigning attributes of `settings`.
"""
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'receipt_hub.db'}"
    db_threads: int = 8
    media_root: Path = PROJECT_ROOT / "media"
    celery_broker_url: str = ""
    celery_queue: str = "receipt-hub"
    redis_url: str = ""
    wkhtmltopdf: str = "wkhtmltopdf"
    wkhtmltopdf_url: str = ""
    pdf_page: str = "80mm"
    time_zone: str = "Europe/Moscow"
    render_threads: int = (os.cpu_count() or 1) + 1
    worker_nice: int = 10
    render_max_retries: int = 3
    render_retry_backoff: float = 2.0
    render_processes: int = os.cpu_count() or 1
    render_timeout: float = 30.0
    render_process_max_jobs: int = 1000
    render_process_max_mb: float = 500.0
    printing_erp_auth: bool = True
    token_ttl_hours: int = 24 * 7
    login_failure_limit: int = 20
    login_failure_window: int = 300
    max_body_bytes: int = 1024 * 1024
    http_idle_timeout: float = 75.0
    http_body_timeout: float = 30.0
    trusted_proxies: tuple = ()
    log_level: str = "INFO"
    fiscal_callback_secret: str = ""
    fiscal_callback_attempts: int = 5
    fiscal_callback_backoff: float = 1.0
    fiscal_callback_internal: bool = True
    fiscal_callback_slots: int = 1
    billing_chunk_size: int = 500
    # analytics: Kafka (empty bootstrap servers: the embedded profile's in-process bus)
    kafka_bootstrap_servers: str = ""
    kafka_api_version: str = "2.3.0"
    kafka_receipts_topic: str = "receipts"
    kafka_consumer_group: str = "analytics"
    kafka_consumer: bool = True
    kafka_relay: bool = True
    kafka_session_timeout_ms: int = 6000
    kafka_request_timeout_ms: int = 5000
    bank_webhook_secret: str = ""

    @classmethod
    def from_env(cls) -> "Settings":
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        defaults = cls()
        broker = _env("CELERY_BROKER_URL")
        return cls(
            host=_env("HOST", defaults.host),
            port=int(_env("PORT", str(defaults.port))),
            database_url=_env("DATABASE_URL", defaults.database_url),
            db_threads=int(_env("DB_THREADS", str(defaults.db_threads))),
            media_root=Path(_env("MEDIA_ROOT", str(defaults.media_root))),
            celery_broker_url=broker,
            celery_queue=_env("CELERY_QUEUE", defaults.celery_queue),
            redis_url=_env("REDIS_URL", broker if broker.startswith("redis") else ""),
            wkhtmltopdf=_env("WKHTMLTOPDF", defaults.wkhtmltopdf),
            wkhtmltopdf_url=_env("WKHTMLTOPDF_URL"),
            pdf_page=_env("PDF_PAGE", defaults.pdf_page),
            time_zone=_env("TIME_ZONE", defaults.time_zone),
            render_threads=int(_env("RENDER_THREADS", str(defaults.render_threads))),
            worker_nice=int(_env("WORKER_NICE", str(defaults.worker_nice))),
            render_max_retries=int(_env("RENDER_MAX_RETRIES", str(defaults.render_max_retries))),
            render_retry_backoff=float(_env("RENDER_RETRY_BACKOFF", str(defaults.render_retry_backoff))),
            render_processes=int(_env("RENDER_PROCESSES", str(defaults.render_processes))),
            render_timeout=float(_env("RENDER_TIMEOUT", str(defaults.render_timeout))),
            render_process_max_jobs=int(_env("RENDER_PROCESS_MAX_JOBS", str(defaults.render_process_max_jobs))),
            render_process_max_mb=float(_env("RENDER_PROCESS_MAX_MB", str(defaults.render_process_max_mb))),
            printing_erp_auth=_bool(_env("PRINTING_ERP_AUTH", "true")),
            token_ttl_hours=int(_env("TOKEN_TTL_HOURS", str(defaults.token_ttl_hours))),
            login_failure_limit=int(_env("LOGIN_FAILURE_LIMIT", str(defaults.login_failure_limit))),
            login_failure_window=int(_env("LOGIN_FAILURE_WINDOW", str(defaults.login_failure_window))),
            max_body_bytes=int(_env("MAX_BODY_BYTES", str(defaults.max_body_bytes))),
            http_idle_timeout=float(_env("HTTP_IDLE_TIMEOUT", str(defaults.http_idle_timeout))),
            http_body_timeout=float(_env("HTTP_BODY_TIMEOUT", str(defaults.http_body_timeout))),
            trusted_proxies=tuple(a.strip() for a in _env("TRUSTED_PROXIES").split(",") if a.strip()),
            log_level=_env("LOG_LEVEL", defaults.log_level),
            fiscal_callback_secret=_env("FISCAL_CALLBACK_SECRET"),
            fiscal_callback_attempts=int(_env("FISCAL_CALLBACK_ATTEMPTS", str(defaults.fiscal_callback_attempts))),
            fiscal_callback_backoff=float(_env("FISCAL_CALLBACK_BACKOFF", str(defaults.fiscal_callback_backoff))),
            # allowed on the embedded profile (a developer's own machine), refused where a broker runs
            fiscal_callback_internal=_bool(_env("FISCAL_CALLBACK_INTERNAL",
                                                "off" if _env("CELERY_BROKER_URL") else "on")),
            fiscal_callback_slots=max(1, int(_env("FISCAL_CALLBACK_SLOTS", str(defaults.fiscal_callback_slots)))),
            billing_chunk_size=int(_env("BILLING_CHUNK_SIZE", str(defaults.billing_chunk_size))),
            kafka_bootstrap_servers=_env("KAFKA_BOOTSTRAP_SERVERS"),
            kafka_api_version=_env("KAFKA_API_VERSION", defaults.kafka_api_version),
            kafka_receipts_topic=_env("KAFKA_RECEIPTS_TOPIC", defaults.kafka_receipts_topic),
            kafka_consumer_group=_env("KAFKA_CONSUMER_GROUP", defaults.kafka_consumer_group),
            kafka_consumer=_bool(_env("KAFKA_CONSUMER", "on")),
            kafka_relay=_bool(_env("KAFKA_RELAY", "on")),
            kafka_session_timeout_ms=int(_env("KAFKA_SESSION_TIMEOUT_MS", str(defaults.kafka_session_timeout_ms))),
            kafka_request_timeout_ms=int(_env("KAFKA_REQUEST_TIMEOUT_MS", str(defaults.kafka_request_timeout_ms))),
            bank_webhook_secret=_env("BANK_WEBHOOK_SECRET"),
        )

    @property
    def embedded(self) -> bool:
        """No broker configured: background work runs inside the server process."""
        return not self.celery_broker_url

    @property
    def bank_webhook_secrets(self) -> list[str]:
        """BANK_WEBHOOK_SECRET: one secret, or several separated by commas during a rotation."""
        return [secret.strip() for secret in self.bank_webhook_secret.split(",") if secret.strip()]

    @property
    def pdf_dir(self) -> Path:
        return self.media_root / "pdf"

    def time_zone_problem(self) -> str | None:
        """Why TIME_ZONE names no time zone, or None when it does."""
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return f"TIME_ZONE={self.time_zone!r} is not a time zone: use an IANA name such as Europe/Moscow"
        return None

    def wkhtmltopdf_problem(self) -> str | None:
        """Why PDFs cannot be rendered with these settings, or None when they can."""
        if self.wkhtmltopdf_url or shutil.which(self.wkhtmltopdf):
            return None
        return (
            f"wkhtmltopdf not found at {self.wkhtmltopdf!r}: install it (apt-get install -y wkhtmltopdf), "
            "set WKHTMLTOPDF to the binary's path, or set WKHTMLTOPDF_URL to the wkhtmltopdf service "
            "of docker-compose.yml"
        )


settings = Settings.from_env()
