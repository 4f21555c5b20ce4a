"""Account emails: rendered in the request, sent once by the worker through the outbox."""

import re

import pytest
from django.db import transaction
from django.test import Client

from cuentas import services
from cuentas.models import EmailCuenta
from outbox.models import OutboxMessage
from pruebas.factories import UsuarioFactory
from pruebas.procesos import esperar
from ventas.models import EnvioEmail


def _enlace(mensaje, patron: str) -> str:
    texto = mensaje.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+(/accounts/{patron}[^\s]*)", texto).group(1)


@pytest.mark.django_db
def test_el_registro_no_envia_nada_en_la_peticion_y_deja_la_tarea_en_el_outbox(client, buzon):
    respuesta = client.post(
        "/accounts/signup/",
        {
            "username": "nuevo",
            "email": "nuevo@example.com",
            "password1": "unaClave-larga9",
            "password2": "unaClave-larga9",
        },
    )
    assert respuesta.status_code == 302 and respuesta["Location"] == "/accounts/confirm-email/"
    [email] = EmailCuenta.objects.all()
    assert email.para == ["nuevo@example.com"] and "/accounts/confirm-email/" in email.texto
    assert email.asunto.startswith("Mi Tienda: ") and "confirme" in email.asunto  # in Spanish, branded
    assert "Mi Tienda" in email.texto
    [tarea] = OutboxMessage.objects.filter(task_name="cuentas.tasks.enviar_email_cuenta")
    assert tarea.args == [email.pk]
    assert buzon.mensajes == []  # nothing went out from the request


@pytest.mark.django_db
def test_la_tarea_entregada_dos_veces_envia_el_email_una_vez(buzon):
    with transaction.atomic():
        from django.core.mail import EmailMessage

        email = services.encolar_email(
            plantilla="prueba", mensaje=EmailMessage(subject="Hola", body="enlace secreto", to=["a@example.com"])
        )
    assert services.enviar_email(mensaje_id=email.pk) is True
    assert services.enviar_email(mensaje_id=email.pk) is False
    assert len(buzon.para("a@example.com")) == 1
    assert EnvioEmail.objects.get(clave=f"cuenta:{email.pk}").enviado is not None
    email.refresh_from_db()
    assert email.enviado is not None and email.texto == ""  # the one-time link is not kept once sent


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_registro_verificacion_y_login_por_el_worker(celery_worker, buzon, ip):
    cliente = Client(REMOTE_ADDR=ip())
    respuesta = cliente.post(
        "/accounts/signup/",
        {"username": "ana", "email": "ana@example.com", "password1": "unaClave-larga9", "password2": "unaClave-larga9"},
    )
    assert respuesta.status_code == 302
    assert "_auth_user_id" not in cliente.session
    assert cliente.post("/accounts/login/", {"username": "ana", "password": "unaClave-larga9"})["Location"] == (
        "/accounts/confirm-email/"
    )  # not before the address is confirmed

    [mensaje] = esperar(lambda: buzon.para("ana@example.com"), timeout=30, mensaje="the verification email")
    confirmar = _enlace(mensaje, "confirm-email/")
    assert cliente.get(confirmar).status_code == 200
    assert cliente.post(confirmar).status_code == 302

    entrar = cliente.post("/accounts/login/", {"username": "ana", "password": "unaClave-larga9"})
    assert entrar.status_code == 302 and entrar["Location"] == "/"
    assert cliente.get("/ventas/").status_code == 200


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_restablecer_la_contrasena_por_el_worker(celery_worker, buzon, ip):
    UsuarioFactory(username="beto", email="beto@example.com")
    cliente = Client(REMOTE_ADDR=ip())
    assert cliente.post("/accounts/password/reset/", {"email": "beto@example.com"}).status_code == 302

    [mensaje] = esperar(lambda: buzon.para("beto@example.com"), timeout=30, mensaje="the reset email")
    enlace = _enlace(mensaje, "password/reset/key/")
    formulario = cliente.get(enlace)  # allauth moves the key into the session and redirects
    assert formulario.status_code == 302
    pagina = formulario["Location"]
    nueva = {"password1": "otraClave-larga7", "password2": "otraClave-larga7"}
    assert cliente.post(pagina, nueva).status_code == 302

    assert cliente.post("/accounts/login/", {"username": "beto", "password": "demo12345"}).status_code == 200
    assert cliente.post("/accounts/login/", {"username": "beto", "password": "otraClave-larga7"}).status_code == 302
    usado = cliente.get(enlace, follow=True)  # the link works once: no password form the second time
    assert usado.status_code == 200 and 'name="password1"' not in usado.content.decode()
