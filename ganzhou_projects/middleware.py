from django.http import Http404

from projects.roles import is_administrator


class AdminOnlyForAdministratorsMiddleware:
    """The Django admin is for administrators only; everyone else gets a 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/") and request.user.is_authenticated and not is_administrator(request.user):
            raise Http404
        return self.get_response(request)
