"""With DEBUG off (the default, and `make run`), a 404 and a 403 are the app's own Chinese pages."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_404_is_the_apps_chinese_page(client, settings, reporter_a):
    settings.DEBUG = False
    client.force_login(reporter_a)
    response = client.get("/projects/987654321/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>页面不存在</h1>" in body
    assert "Page not found" not in body and "Using the URLconf" not in body


def test_403_is_the_apps_chinese_page(client, settings, reporter_a):
    settings.DEBUG = False
    client.force_login(reporter_a)
    response = client.get(reverse("notifications:sent_log"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>无权操作</h1>" in body and "您的角色无权进行此操作。" in body
    assert "403 Forbidden" not in body


GOOD_KEY = "k" + secrets.token_urlsafe(50)


def settings_with(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "ENABLE_DEMO", "SECRET_KEY"}}
    code = (
        "import django; django.setup(); from django.conf import settings\n"
        "from django.core.exceptions import ImproperlyConfigured\n"
        "try:\n    key = bool(settings.SECRET_KEY)\nexcept ImproperlyConfigured:\n    key = 'refused'\n"
        "print(settings.DEBUG, 'demo' in settings.INSTALLED_APPS, key)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ganzhou_projects.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_debug_is_off_unless_asked_for():
    # Without a SECRET_KEY outside developer mode Django refuses to run rather than use a published key.
    assert settings_with({}) == "False False refused"
    assert settings_with({"DEBUG": "1"}) == "True True True"
    assert settings_with({"SECRET_KEY": GOOD_KEY}) == "False False True"


def start(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "ENABLE_DEMO", "SECRET_KEY", "REDIS_URL"}}
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ganzhou_projects.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


WSGI = [sys.executable, "-c", "import ganzhou_projects.wsgi"]
WEAK_KEYS = [None, "", "short-key", "change-me-to-a-long-random-string", "make-run-local-only-not-a-secret", "a" * 60]
WEAK_KEY_IDS = ["unset", "empty", "short", "compose-placeholder", "make-run-placeholder", "one-character"]


def assert_refused_saying_how(result: subprocess.CompletedProcess) -> None:
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "未设置安全的 SECRET_KEY" in result.stderr and "系统拒绝启动" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


@pytest.mark.parametrize("key", WEAK_KEYS, ids=WEAK_KEY_IDS)
def test_production_refuses_to_start_without_a_real_secret_key(key):
    """Issue 15: with DEBUG off gunicorn's app does not load on a missing, short or public key, and says how
    to make one; with a real key it loads, and developer mode needs none."""
    assert_refused_saying_how(start(WSGI, {} if key is None else {"SECRET_KEY": key}))


def test_a_real_key_or_developer_mode_starts():
    assert start(WSGI, {"SECRET_KEY": GOOD_KEY}).returncode == 0
    assert start(WSGI, {"DEBUG": "1"}).returncode == 0


def test_the_celery_worker_refuses_to_start_without_a_real_secret_key():
    celery = str(Path(sys.executable).parent / "celery")
    worker = [celery, "-A", "ganzhou_projects", "worker", "--pool", "solo", "-l", "warning"]
    assert_refused_saying_how(start(worker, {"SECRET_KEY": "change-me-to-a-long-random-string"}))


def test_manage_py_commands_still_run_without_a_key():
    """migrate, makemigrations and collectstatic are no servers: they run on a bare checkout."""
    result = start([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], {})
    assert result.returncode == 0, result.stderr


def test_make_run_and_the_image_build_make_their_own_random_keys():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "secrets.token_urlsafe(50)" in makefile and ".run-secret-key" in makefile
    assert ".run-secret-key" in (REPO_ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "secrets.token_urlsafe(50)" in dockerfile
    assert "not-a-secret" not in makefile + dockerfile


def test_make_run_is_the_users_view_with_demo_data_and_a_local_key():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    for line in (
        "run: export DEBUG ?= 0",
        "run: export ENABLE_DEMO ?= 1",
        "run: export SECRET_KEY ?= $(RUN_SECRET_KEY)",
        "run: export SESSION_COOKIE_SECURE ?= 0",
        "$(PY) manage.py collectstatic --noinput",
    ):
        assert line in makefile, line


def test_csrf_failure_and_server_error_are_chinese(rf, settings, reporter_a):
    from django.test import Client
    from django.views.defaults import bad_request, server_error

    settings.DEBUG = False
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reporter_a)
    response = strict.post(reverse("notifications:mark_read"))
    assert response.status_code == 403
    assert "<h1>页面已过期</h1>" in response.content.decode()
    assert "<h1>系统出错</h1>" in server_error(rf.get("/")).content.decode()
    assert "<h1>请求有误</h1>" in bad_request(rf.get("/"), exception=None).content.decode()
