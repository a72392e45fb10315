"""Checks that the services the tests need are reachable, and says what to start when one is not.

Run as `python -m tests.services` (`make test` does); the test session runs the same check first.
"""
import os
import shutil
import sys

import psycopg2
import redis

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

HOW_TO_START = {
    "PostgreSQL": "start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start "
                  "(or `docker compose up -d postgres`), or point TEST_POSTGRES_URL at a server where "
                  "the user may create databases",
    "Redis": "start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 "
             "(or `docker compose up -d redis`), or point TEST_REDIS_URL at one",
    "wkhtmltopdf": "install it: apt-get install -y wkhtmltopdf",
    "pdftotext": "install it: apt-get install -y poppler-utils",
}


def problems() -> list[str]:
    found = []
    try:
        psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg2.Error as error:
        found.append(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({str(error).strip()}): "
                     + HOW_TO_START["PostgreSQL"])
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError as error:
        found.append(f"Redis is not reachable at {REDIS_URL} ({error}): " + HOW_TO_START["Redis"])
    for tool in ("wkhtmltopdf", "pdftotext"):
        if shutil.which(tool) is None:
            found.append(f"{tool} is missing: " + HOW_TO_START[tool])
    return found


if __name__ == "__main__":
    missing = problems()
    for line in missing:
        print("NOT READY:", line, file=sys.stderr)
    if missing:
        sys.exit(1)
    print("services ready: PostgreSQL, Redis, wkhtmltopdf, pdftotext")
