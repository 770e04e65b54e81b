"""Set-up of the benchmark's own PostgreSQL database, Django, users and bulk data."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portrait_crm_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"


def _name_and_server(database_url: str) -> tuple[str, str]:
    """The database's name, and the URL of the server's ``postgres`` database."""
    parts = urlsplit(database_url)
    return parts.path.lstrip("/"), urlunsplit(parts._replace(path="/postgres"))


def ensure_database(database_url: str) -> None:
    """Create the benchmark database if it does not exist yet (connects to ``postgres``)."""
    import psycopg

    name, server_url = _name_and_server(database_url)
    with psycopg.connect(server_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def recreate_database(database_url: str) -> None:
    """Drop the database if it exists (closing its sessions) and create it empty."""
    import psycopg

    name, server_url = _name_and_server(database_url)
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def setup_django(*, database_url: str, broker_url: str) -> None:
    """Point Django at the benchmark database and migrate it. Call before any model import."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"bench-{os.getpid()}")
    ensure_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def truncate_leads() -> None:
    """Empty the lead table and everything that hangs off it (fast, resets ids)."""
    from django.db import connection

    from qualification.models import Lead

    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{Lead._meta.db_table}" RESTART IDENTITY CASCADE')


def vacuum_analyze() -> None:
    """Vacuum the lead table and write out a checkpoint before the next timed step.

    Without the checkpoint, the WAL of one step (a million rows rewritten) sets off
    a checkpoint in the middle of the next, which then pays for both.
    """
    from django.db import DatabaseError, connection

    from qualification.models import Lead

    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM ANALYZE "{Lead._meta.db_table}"')
        # A role without pg_checkpoint gets noisier timings, no more.
        with contextlib.suppress(DatabaseError):
            cursor.execute("CHECKPOINT")


def _copy_value(field, lead: dict, now: datetime):
    name = field.attname
    if name in ("created_at", "updated_at"):
        return now
    if name == "source_updated_at":
        return lead["updated_at"]
    if name in lead:
        value = lead[name]
    else:
        value = field.get_default()
        if value is None and not field.null:
            value = ""
    if field.get_internal_type() == "JSONField" and value is not None:
        return json.dumps(value)
    return value


def copy_columns() -> list:
    from qualification.models import Lead

    return [field for field in Lead._meta.concrete_fields if not field.primary_key]


def copy_rows(leads: Iterable[dict]) -> list[tuple]:
    """The rows ``COPY`` writes for these leads, every column of the lead table but ``id``."""
    fields = copy_columns()
    now = datetime.now(UTC)
    return [tuple(_copy_value(field, lead, now) for field in fields) for lead in leads]


def copy_leads(rows: Iterable[tuple]) -> int:
    """Write prepared rows into the lead table with one ``COPY``; return how many."""
    from django.db import connection

    from qualification.models import Lead

    columns = ", ".join(f'"{field.column}"' for field in copy_columns())
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.connection
        with (
            raw.cursor() as raw_cursor,
            raw_cursor.copy(f'COPY "{Lead._meta.db_table}" ({columns}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def load_leads(count: int, *, seed: int, batch: int = 50_000, log=print) -> float:
    """Generate and ``COPY`` ``count`` leads (set-up, not measured); return seconds taken."""
    from qualification.demo_data import generate_leads

    started = time.perf_counter()
    for start in range(0, count, batch):
        size = min(batch, count - start)
        copy_leads(copy_rows(generate_leads(size, seed=seed, start=start)))
        if count > batch:
            log(f"  loaded {start + size:,}/{count:,} leads")
    vacuum_analyze()
    return time.perf_counter() - started


def make_user(username: str, *roles: str):
    """A user holding the given role groups, with an API token; reused across runs."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@bench.example"}
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    token, _ = Token.objects.get_or_create(user=user)
    user.token = token.key
    return user
