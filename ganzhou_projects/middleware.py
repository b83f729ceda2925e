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
