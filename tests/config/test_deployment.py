from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_stack(compose):
    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker", "beat"])
def test_every_service_has_a_health_check(compose, service):
    assert compose["services"][service]["healthcheck"]["test"]


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("web", "gunicorn config.wsgi:application"),
        ("worker", "celery -A config worker"),
        ("beat", "celery -A config beat"),
    ],
)
def test_app_services_run_the_expected_command(compose, service, expected):
    command = compose["services"][service]["command"]
    text = command if isinstance(command, str) else " ".join(command)
    assert expected in text


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_app_services_take_configuration_from_the_environment(compose, service):
    environment = compose["services"][service]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["CELERY_BROKER_URL"].startswith("redis://")
    assert "${DJANGO_SECRET_KEY:?" in environment["DJANGO_SECRET_KEY"]


def test_the_broker_keeps_its_queue_across_a_restart(compose):
    redis = compose["services"]["redis"]
    command = redis["command"]

    assert command[command.index("--appendonly") + 1] == "yes"
    assert "redis-data:/data" in redis["volumes"]
    assert "redis-data" in compose["volumes"]


@pytest.mark.parametrize("service", ["web", "worker"])
def test_web_and_worker_share_the_directory_of_uploaded_imports(compose, service):
    app = compose["services"][service]
    assert app["environment"]["LEAD_IMPORTS_DIR"] == "/srv/imports"
    assert "lead-imports:/srv/imports" in app["volumes"]
