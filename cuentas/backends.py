"""django-axes' lockout check, for the logins that come with a request."""

from axes.backends import AxesStandaloneBackend


class AxesConPeticion(AxesStandaloneBackend):
    """Refuse a locked-out username + IP; step aside when ``authenticate()`` has no request.

    Every login the site serves passes its request (allauth's form, the admin's
    AuthenticationForm), so each is checked and counted. Only code that calls
    ``authenticate()`` without one — ``Client.login()`` in tests, a shell — has no IP
    to key on; axes would raise there, so such a call goes on to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
