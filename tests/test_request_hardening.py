"""Issue 15: request bodies capped before they are read, logged-in pages never cached, a Permissions-Policy,
an idle session timeout, one's own password changed outside the admin, and password rules."""

import io
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ganzhou_projects.middleware import IdleSessionTimeoutMiddleware


class ExplodingInput(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def test_a_50_mb_upload_is_refused_from_its_content_length_before_the_body_is_read(client, reporter_a):
    client.force_login(reporter_a)
    fifty_mb = 50 * 1024 * 1024

    response = client.generic(
        "POST",
        reverse("dispatch:unit_workbook_upload", args=[2026, 11]),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(fifty_mb),
        **{"wsgi.input": ExplodingInput()},
    )

    assert response.status_code == 413
    body = response.content.decode()
    assert "上传内容过大" in body and "系统未接收" in body


def test_bodies_up_to_the_limit_pass_and_django_keeps_large_uploads_out_of_memory(client, settings, reporter_a):
    assert max(settings.MAX_UPLOAD_BYTES, settings.MAX_PHOTO_BYTES) <= settings.MAX_REQUEST_BYTES
    assert settings.MAX_REQUEST_BYTES < 50 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2.5 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2.5 * 1024 * 1024
    client.force_login(reporter_a)
    response = client.post(reverse("notifications:mark_read"), {"recipient": "1", "pad": "x" * 1000})
    assert response.status_code != 413


def test_logged_in_pages_are_not_stored_and_every_page_has_a_permissions_policy(client, drc):
    anonymous = client.get(reverse("login"))
    assert "camera=()" in anonymous["Permissions-Policy"] and "geolocation=()" in anonymous["Permissions-Policy"]

    client.force_login(drc)
    for url in (reverse("projects:project_list"), reverse("dispatch:completeness"), reverse("healthz")):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "Permissions-Policy" in response


def test_a_session_idle_longer_than_the_timeout_is_logged_out(client, drc, settings):
    settings.SESSION_IDLE_TIMEOUT = 2 * 60 * 60
    client.force_login(drc)
    url = reverse("projects:project_list")
    assert client.get(url).status_code == 200
    session = client.session
    last_seen = session[IdleSessionTimeoutMiddleware.KEY]
    assert abs(last_seen - time.time()) < 60

    # One hour idle: still signed in.
    session[IdleSessionTimeoutMiddleware.KEY] = int(time.time()) - 60 * 60
    session.save()
    assert client.get(url).status_code == 200

    # Two hours and a minute idle: signed out, sent to the login page with a message.
    session = client.session
    session[IdleSessionTimeoutMiddleware.KEY] = int(time.time()) - (2 * 60 * 60 + 60)
    session.save()
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert "_auth_user_id" not in client.session
    followed = client.get(response["Location"])
    assert "已自动退出" in followed.content.decode()


def test_the_idle_timeout_is_configurable_by_the_environment():
    import subprocess
    import sys

    from tests.test_error_pages import GOOD_KEY, REPO_ROOT

    code = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_IDLE_TIMEOUT)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ganzhou_projects.settings",
            "SECRET_KEY": GOOD_KEY,
            "SESSION_IDLE_TIMEOUT": "1800",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "1800"


def test_users_change_their_own_password_from_the_user_menu(client, reporter_a):
    reporter_a.set_password("原来的密码-Old-2026")
    reporter_a.save()
    client.force_login(reporter_a)
    page = client.get(reverse("projects:project_list")).content.decode()
    assert f'href="{reverse("password_change")}"' in page and "修改密码" in page

    form = client.get(reverse("password_change"))
    assert form.status_code == 200 and "原密码" in form.content.decode()

    weak = client.post(
        reverse("password_change"),
        {"old_password": "原来的密码-Old-2026", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    errors = " ".join(weak.context["form"].errors["new_password2"])
    assert "常见" in errors and "数字" in errors  # Django's own Chinese messages

    done = client.post(
        reverse("password_change"),
        {
            "old_password": "原来的密码-Old-2026",
            "new_password1": "甘州区-项目-2026-新密码",
            "new_password2": "甘州区-项目-2026-新密码",
        },
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_change_done")
    assert "密码已修改" in client.get(done["Location"]).content.decode()
    reporter_a.refresh_from_db()
    assert reporter_a.check_password("甘州区-项目-2026-新密码")
    assert client.get(reverse("projects:project_list")).status_code == 200  # still signed in


@pytest.mark.parametrize("password", ["password123", "12345678901", "qwertyuiop"])
def test_common_and_numeric_passwords_are_refused(password, db):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_anonymous_visitors_cannot_change_a_password(db):
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
