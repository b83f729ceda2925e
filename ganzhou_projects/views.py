from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


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
    db_ok, db_detail = _database_ok()
    redis_ok, redis_detail = _redis_ok()
    healthy = db_ok and redis_ok
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": db_detail, "redis": redis_detail},
        status=200 if healthy else 503,
    )
