"""Settings are read when Django starts, so each case runs a fresh Python process with its own environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], 'tz': s.TIME_ZONE, "
    "'use_tz': s.USE_TZ, 'languages': [code for code, _ in s.LANGUAGES], 'secret': s.SECRET_KEY}))"
)
PRODUCTION_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "CUSTOS_VAR_DIR")


def _run(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_VARIABLES}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "CUSTOS_VAR_DIR": str(tmp_path / "var"), **variables})
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_with_no_configuration_the_embedded_setup_is_chosen(tmp_path: Path) -> None:
    result = _run(tmp_path, DEBUG="1")

    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"] == str(tmp_path / "var" / "custos.sqlite3")
    assert settings["broker"] == "filesystem://"
    assert settings["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert (settings["tz"], settings["use_tz"], settings["languages"]) == ("Europe/Kyiv", True, ["en", "uk"])
    assert (tmp_path / "var" / "queue" / "messages").is_dir()


def test_under_debug_a_secret_key_is_generated_once_into_var(tmp_path: Path) -> None:
    first = json.loads(_run(tmp_path, DEBUG="1").stdout)["secret"]
    second = json.loads(_run(tmp_path, DEBUG="1").stdout)["secret"]

    key_file = tmp_path / "var" / "secret_key"
    assert first == second == key_file.read_text(encoding="utf-8")
    assert len(first) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_with_debug_off_a_missing_secret_key_is_an_error_that_says_what_to_set(tmp_path: Path) -> None:
    result = _run(tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_the_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-a-mounted-secret", encoding="utf-8")

    result = _run(tmp_path, SECRET_KEY_FILE=str(key_file))

    assert json.loads(result.stdout)["secret"] == "from-a-mounted-secret"


@pytest.mark.parametrize("broker", ["redis://127.0.0.1:6379/0"])
def test_production_is_chosen_by_environment_variables_alone(tmp_path: Path, broker: str) -> None:
    result = _run(
        tmp_path,
        SECRET_KEY="k",
        DATABASE_URL="postgres://custos@db.internal:5432/custos",
        CELERY_BROKER_URL=broker,
        REDIS_URL="redis://127.0.0.1:6379/1",
    )

    settings = json.loads(result.stdout)
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "custos"
    assert settings["broker"] == broker
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"
