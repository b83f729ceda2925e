"""Logging in: throttled per username and address (django-axes), a new session key, inactive users shut out."""

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NAT = "10.20.30.40"  # a township's staff behind one address


def attempt(client, username, password, ip=NAT):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_repeated_failures_lock_that_username_at_that_address_only(client, town_a):
    UserFactory(username="wangfang", unit=town_a)
    UserFactory(username="lisi", unit=town_a)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wangfang", "wrong")
    locked = attempt(client, "wangfang", "pass-12345")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录已暂停" in page and "连续多次登录失败" in page
    # A colleague behind the same NAT address logs in as usual...
    colleague = attempt(client, "lisi", "pass-12345")
    assert colleague.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    # ...and the same username from another address is not locked either.
    assert attempt(client, "wangfang", "pass-12345", ip="10.99.0.1").status_code == 302


def test_a_success_resets_the_count(client, town_a):
    UserFactory(username="wangfang", unit=town_a)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wangfang", "wrong")
    assert attempt(client, "wangfang", "pass-12345").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wangfang", "wrong")
    assert attempt(client, "wangfang", "pass-12345").status_code == 302


def test_logging_in_rotates_the_session_key(client, town_a):
    UserFactory(username="wangfang", unit=town_a)
    client.get("/login/")
    session = client.session
    session["before"] = 1
    session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert attempt(client, "wangfang", "pass-12345").status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before


def test_a_deactivated_users_open_session_stops_working(client, town_a):
    user = UserFactory(username="wangfang", unit=town_a)
    assert attempt(client, "wangfang", "pass-12345").status_code == 302
    assert client.get("/projects/").status_code == 200
    user.is_active = False
    user._history_user = user
    user.save()
    response = client.get("/projects/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert "_auth_user_id" not in client.session
