from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from projects.access import may_use_admin


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as error:  # any failure means unhealthy
        return False, error.__class__.__name__


def _redis_ok() -> tuple[bool, str]:
    from django.conf import settings

    if not settings.REDIS_URL:
        return True, "not configured (tasks run eagerly)"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return True, "ok"
    except Exception as error:
        return False, error.__class__.__name__


@never_cache
def healthz(request):
    """200 {"status": "ok"} or 503 {"status": "error"} for the container healthcheck and anyone else.

    Which part failed and how (the exception's class) is shown to signed-in administrators only:
    it tells an outsider what the server runs.
    """
    db_ok, db_detail = _database_ok()
    redis_ok, redis_detail = _redis_ok()
    healthy = db_ok and redis_ok
    body = {"status": "ok" if healthy else "error"}
    if request.user.is_authenticated and may_use_admin(request.user):
        body |= {"database": db_detail, "redis": redis_detail}
    return JsonResponse(body, status=200 if healthy else 503)
