import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_settings_pass_the_deployment_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 64 + "-production-secret-from-the-environment",
        DJANGO_ALLOWED_HOSTS="crm.example.com",
    )
    assert result.returncode == 0, result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="crm.example.com",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _database_setting(name: str, **environment: str) -> str:
    result = _manage(
        "shell",
        "-c",
        f"from django.conf import settings; print(settings.DATABASES['default'][{name!r}])",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 64,
        DJANGO_ALLOWED_HOSTS="crm.example.com",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_keeps_database_connections_and_checks_them():
    assert int(_database_setting("CONN_MAX_AGE")) > 0
    assert _database_setting("CONN_HEALTH_CHECKS") == "True"


def test_connection_age_comes_from_the_environment():
    assert _database_setting("CONN_MAX_AGE", DJANGO_CONN_MAX_AGE="0") == "0"
