from django.http import Http404

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
