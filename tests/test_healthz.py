"""/healthz for the container healthcheck, and who may open the Django admin."""

from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.urls import reverse

# The Redis that `make test` starts (Makefile TEST_REDIS_URL), when REDIS_URL is not set.
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"
ADMIN_BRANDING = "甘州区重点项目协同推进系统 · 管理后台"


@pytest.fixture
def redis_configured(settings):
    settings.REDIS_URL = settings.REDIS_URL or LOCAL_REDIS_URL
    return settings


@pytest.mark.django_db
def test_healthz_is_ok_without_login_when_database_and_redis_answer(client, redis_configured):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_tells_only_administrators_which_part_failed(client, redis_configured, administrator, drc):
    """Issue 15: an anonymous visitor (or an ordinary user) learns ok / not ok, never an exception's class."""
    failing = mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("connection refused"))
    client.force_login(drc)
    # The login itself needs the database: patch only around the health check's own query.
    with mock.patch("ganzhou_projects.views._database_ok", return_value=(False, "OperationalError")):
        assert client.get(reverse("healthz")).json() == {"status": "error"}
    client.logout()
    with failing:
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert "OperationalError" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_unreachable(client, settings, administrator):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client.force_login(administrator)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["redis"] != "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client, redis_configured, administrator):
    # An administrator sees which part failed; the check's own query is made to fail.
    client.force_login(administrator)
    with mock.patch("ganzhou_projects.views._database_ok", return_value=(False, "OperationalError")):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "OperationalError", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_without_redis_url_reports_eager_tasks_as_healthy(client, settings, administrator):
    settings.REDIS_URL = ""
    client.force_login(administrator)

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["redis"] != "ok"


def test_admin_is_404_for_a_logged_in_non_administrator(client, drc):
    client.force_login(drc)

    assert client.get(reverse("admin:index")).status_code == 404


def test_admin_index_renders_for_an_administrator(client, administrator):
    client.force_login(administrator)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert ADMIN_BRANDING in response.text


def test_admin_sends_anonymous_visitors_to_its_login_page(client, db):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
