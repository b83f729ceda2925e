import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.template import loader

from projects.access import may_use_admin


class AdminOnlyForAdministratorsMiddleware:
    """The Django admin is for administrators only; everyone else gets a 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/") and request.user.is_authenticated and not may_use_admin(request.user):
            raise Http404
        return self.get_response(request)


class ActiveUserMiddleware:
    """A deactivated user's open sessions stop working at their next request, and are ended.

    Django's ModelBackend refuses an inactive user when the session is read (request.user is then
    anonymous, and login_required pages send the request to the login page); this also flushes the
    session that still names the user, whatever backend logged it in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import SESSION_KEY, logout

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        names_a_user = session is not None and user is not None and session.get(SESSION_KEY) is not None
        if names_a_user and (not user.is_authenticated or not user.is_active):
            logout(request)
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuse a request whose declared body exceeds MAX_REQUEST_BYTES, before any of it is read.

    First in the chain: nothing has touched request.body or request.POST yet, so a 50 MB upload
    costs its headers only. The page is the app's own Chinese 413. (The proxy of docker-compose
    refuses such bodies earlier still; this covers any other way to reach gunicorn.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            # Rendered without the request: the user is not known yet this early (as for Django's 500 page).
            page = loader.render_to_string("413.html", {"limit_mb": f"{settings.MAX_REQUEST_BYTES / 1048576:.0f}"})
            return HttpResponse(page, status=413)
        return self.get_response(request)


class IdleSessionTimeoutMiddleware:
    """Log out a user who sent no request for SESSION_IDLE_TIMEOUT seconds.

    The time of the last request is kept in the session, written at most once a minute (so
    an active user does not cost a session write per page).
    """

    KEY = "_last_seen"
    WRITE_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, f"您已超过{_idle_text()}未操作，为安全起见已自动退出，请重新登录。")
                return redirect_to_login(request.get_full_path())
            if not isinstance(last_seen, int) or now - last_seen >= self.WRITE_EVERY:
                request.session[self.KEY] = now
        return self.get_response(request)


def _idle_text() -> str:
    seconds = settings.SESSION_IDLE_TIMEOUT
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    return f"{max(seconds // 60, 1)}分钟"


@receiver(user_logged_in)
def start_the_idle_clock(sender, request, user, **kwargs):
    """Logging in is activity: the clock starts with the login, saved with it, not by the next request."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleSessionTimeoutMiddleware.KEY] = int(time.time())


class PrivatePagesMiddleware:
    """Every response gets a Permissions-Policy; a signed-in user's pages are never stored by a cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response.headers.pop("Expires", None)
        return response
