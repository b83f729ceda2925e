"""Checks made when a production process starts: gunicorn (wsgi.py, asgi.py), the Celery worker and beat.

With DEBUG off the app refuses to start on a missing, short or published SECRET_KEY rather than sign
sessions and password-reset tokens with a key anyone can read in this repository. manage.py commands
(migrate, makemigrations, collectstatic) are not servers and still run without one.
"""

from django.core.exceptions import ImproperlyConfigured

# Keys that were published in this repository at some time: never accepted in production.
PUBLIC_SECRET_KEYS = {
    "dev-only-insecure-key-change-me-in-production",
    "change-me-to-a-long-random-string",
    "make-run-local-only-not-a-secret",
    "build-only-not-a-secret",
}
MIN_LENGTH, MIN_UNIQUE_CHARACTERS = 50, 5  # Django's own rule (check --deploy, security.W009)
MESSAGE = (
    "未设置安全的 SECRET_KEY：生产模式（DEBUG=0）下必须设置至少 50 个字符的随机密钥，系统拒绝启动。"
    '生成方法：python3 -c "import secrets; print(secrets.token_urlsafe(50))"，将结果写入 .env 的 SECRET_KEY。\n'
    "SECRET_KEY is missing, too short or public, so the app refuses to start with DEBUG=0. Set it to a random "
    'value of at least 50 characters, e.g. from python3 -c "import secrets; print(secrets.token_urlsafe(50))", '
    "in .env (see .env.example)."
)


def is_weak_secret_key(key: str) -> bool:
    return (
        len(key) < MIN_LENGTH
        or len(set(key)) < MIN_UNIQUE_CHARACTERS
        or key in PUBLIC_SECRET_KEYS
        or key.startswith("django-insecure-")
    )


def require_real_secret_key() -> None:
    """Raise ImproperlyConfigured (in Chinese and English, saying how to make a key) unless DEBUG or a real key."""
    from django.conf import settings

    if settings.DEBUG:
        return
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses an empty key when it is first read
        key = ""
    if is_weak_secret_key(key or ""):
        raise ImproperlyConfigured(MESSAGE)
