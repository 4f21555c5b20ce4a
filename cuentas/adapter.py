"""The shop's allauth adapter: account emails go through the outbox, throttled logins get the 429 page."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as context_de_allauth
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError

from . import services
from .ip import ip_del_cliente


class AdaptadorCuentas(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the email now (the request's context has its links) and leave the sending to a worker.

        allauth calls this inside the request; the SMTP exchange must not happen there,
        so the rendered message and its task are written to the database and the task
        is published once the request's transaction commits.
        """
        peticion = context_de_allauth.request  # the request allauth is serving
        # allauth's emails greet with the site's name; without django.contrib.sites that is the host.
        sitio = get_current_site(peticion)
        sitio.name = "Mi Tienda"
        ctx = {"request": peticion, "email": email, **context, "current_site": sitio}
        mensaje = self.render_mail(template_prefix, email, ctx)
        services.encolar_email(plantilla=template_prefix.rsplit("/", 1)[-1], mensaje=mensaje)

    def pre_authenticate(self, request, **credentials) -> None:
        """Answer 429 (the page, not the form again) once allauth's failed-login limit is reached."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise ImmediateHttpResponse(respond_429(request)) from None

    def get_client_ip(self, request) -> str:
        return ip_del_cliente(request)
