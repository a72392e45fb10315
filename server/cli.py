"""`python -m server COMMAND`: run (the default), migrate, loaddata, createsuperuser, users, worker, beat."""
import argparse
import asyncio
import getpass
import json
import logging
import os
import signal
import sys
from pathlib import Path

import peewee
from peewee_migrate import Router

from server.db import database, init_database
from server.modules import modules
from server.settings import PROJECT_ROOT, settings

log = logging.getLogger("server")


class CommandError(Exception):
    """A command cannot do what was asked: `main` prints the message as one line and exits 1."""

MIGRATIONS = PROJECT_ROOT / "migrations"
FIXTURES = PROJECT_ROOT / "fixtures"


def migration_router() -> Router:
    return Router(database.obj, migrate_dir=str(MIGRATIONS), ignore=["basemodel"])


def migrate() -> list[str]:
    """Apply pending migrations; return their names."""
    router = migration_router()
    pending = router.diff
    if pending:
        router.run()
    return pending


def load_fixture(path: Path) -> int:
    """Load a JSON fixture `[{"model": "printing.Printer", "fields": {...}}, ...]`; rows whose unique
    fields already exist are left as they are, so loading twice changes nothing."""
    models = {name: model for module in modules() for name, model in module.fixtures.items()}
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None
    except ValueError as error:
        raise CommandError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("fields"), dict) for e in entries):
        raise CommandError(f'{path}: expected a list of {{"model": ..., "fields": {{...}}}}')
    created = 0
    with database.atomic():
        for number, entry in enumerate(entries, 1):
            model = models.get(entry.get("model"))
            if model is None:
                raise CommandError(f"{path}, entry {number}: unknown model {entry.get('model')!r} "
                                   f"(known: {', '.join(sorted(models))})")
            try:
                created += model.insert(**entry["fields"]).on_conflict_ignore().as_rowcount().execute()
            except (AttributeError, peewee.PeeweeException) as error:
                raise CommandError(f"{path}, entry {number}: {error}") from None
    return created


def first_start_setup() -> None:
    """The embedded profile's first start: the schema, the fixtures, and admin/admin."""
    from server.accounts.service import ensure_default_admin

    applied = migrate()
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    if "001_initial" in applied:
        for fixture in sorted(FIXTURES.glob("*.json")):
            load_fixture(fixture)
            log.info("loaded fixture %s", fixture.name)
    if ensure_default_admin():
        log.warning("=" * 70)
        log.warning("created the embedded profile's administrator: admin / admin")
        log.warning("change that password before anyone else can reach this server")
        log.warning("=" * 70)


def command_run(args) -> None:
    from server.app import Server, settle_garbage_collector
    from server.worker import EmbeddedWorker

    problem = settings.wkhtmltopdf_problem() or settings.time_zone_problem()
    if problem:
        sys.exit(f"cannot start: {problem}")
    if settings.embedded:
        with database.connection_context():
            first_start_setup()
    worker = EmbeddedWorker() if settings.embedded else None
    server = Server(args.host or settings.host, args.port or settings.port, worker)

    async def main():
        await server.start()
        settle_garbage_collector()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.stop()

    asyncio.run(main())


def command_migrate(args) -> None:
    with database.connection_context():
        applied = migrate()
    print("applied: " + ", ".join(applied) if applied else "nothing to apply")


def command_loaddata(args) -> None:
    with database.connection_context():
        created = load_fixture(Path(args.file))
    print(f"{created} rows created from {args.file}")


def command_createsuperuser(args) -> None:
    from server.accounts.service import UsernameTaken, create_user

    username = args.username or input("Username: ").strip()
    if args.password_from_env:
        if args.password_from_env not in os.environ:
            raise CommandError(f"--password-from-env: the environment variable {args.password_from_env} is not set, so there is no password")
        password = os.environ[args.password_from_env]
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            sys.exit("the passwords differ")
    if not username or len(password) < 5:
        sys.exit("a username and a password of at least 5 characters are required")
    with database.connection_context():
        try:
            create_user(username, password, "admin")
        except UsernameTaken:
            sys.exit(f"user {username!r} already exists")
    print(f"superuser {username!r} created")


def command_users(args) -> None:
    from server.accounts.models import User

    with database.connection_context():
        for user in User.select().order_by(User.id):
            state = "active" if user.is_active else "inactive"
            print(f"{user.id:>5}  {user.username:<24} {user.role:<11} {state}  {user.full_name}")


def require_broker() -> None:
    """A worker or beat on the in-memory broker would be reached by nothing: refuse."""
    if not settings.celery_broker_url:
        raise CommandError(
            "needs CELERY_BROKER_URL (for example redis://127.0.0.1:6379/0): without it the "
            "server runs its background work itself (the embedded profile) and no separate process is needed")


def command_worker(args) -> None:
    from server.worker import celery_app

    require_broker()
    problem = settings.wkhtmltopdf_problem() or settings.time_zone_problem()
    if problem:
        sys.exit(f"cannot start: {problem}")
    argv = ["worker", f"--loglevel={settings.log_level}", f"--concurrency={args.concurrency}"]
    celery_app.worker_main(argv + ["--pool", args.pool])


def command_beat(args) -> None:
    from server.worker import beat_schedule, celery_app

    require_broker()
    celery_app.conf.beat_schedule = beat_schedule()
    Path(celery_app.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", f"--loglevel={settings.log_level}"])


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the usage itself is one `--help` away)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


POOLS = ("threads", "prefork", "solo")


def parser() -> argparse.ArgumentParser:
    root = Parser(prog="python -m server", description="Receipt Hub server. Without a command: run.")
    commands = root.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")
    run = commands.add_parser("run", help="serve HTTP and the dashboard (the default command)")
    run.add_argument("--host", help=f"address to listen on (default: HOST, now {settings.host})")
    run.add_argument("--port", type=int, help=f"port to listen on (default: PORT, now {settings.port})")
    run.set_defaults(handler=command_run)
    commands.add_parser("migrate", help="apply pending migrations (none: nothing happens)").set_defaults(
        handler=command_migrate)
    loaddata = commands.add_parser("loaddata", help="load a JSON fixture; rows that exist are kept")
    loaddata.add_argument("file", help="the fixture, for example fixtures/printers.json (no default)")
    loaddata.set_defaults(handler=command_loaddata)
    superuser = commands.add_parser("createsuperuser", help="create an admin user (asks what is not given)")
    superuser.add_argument("--username", help="the new user's name (default: asked)")
    superuser.add_argument("--password-from-env", metavar="VAR",
                           help="read the password from this environment variable (default: asked twice)")
    superuser.set_defaults(handler=command_createsuperuser)
    commands.add_parser("users", help="list users (id, name, role, state)").set_defaults(handler=command_users)
    worker = commands.add_parser("worker", help="run a Celery worker (needs CELERY_BROKER_URL)")
    worker.add_argument("--concurrency", type=int, default=settings.render_threads,
                        help=f"tasks at once (default: RENDER_THREADS, now {settings.render_threads})")
    worker.add_argument("--pool", default="threads", choices=POOLS,
                        help="Celery pool (default: threads: renders wait on wkhtmltopdf processes)")
    worker.set_defaults(handler=command_worker)
    commands.add_parser("beat", help="run Celery beat, the periodic tasks (needs CELERY_BROKER_URL)").set_defaults(
        handler=command_beat)
    for module in modules():
        for command in module.commands:
            sub = commands.add_parser(command.name, help=command.help)
            if command.arguments is not None:
                command.arguments(sub)
            sub.set_defaults(handler=command.run)
    return root


def main(argv=None) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    if args.command is None:
        args = parser().parse_args(["run", *(argv or [])])
    try:
        init_database()
        args.handler(args)
    except CommandError as error:
        sys.exit(f"{parser().prog} {args.command}: {error}")
    except peewee.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        sys.exit(f"{parser().prog} {args.command}: the database is not reachable ({first_line})")
    except KeyboardInterrupt:
        sys.exit(130)
