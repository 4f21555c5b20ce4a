"""Login throttling on the shop's login and the admin's (django-axes + allauth's limits), and the reset request."""

import time
from datetime import timedelta

import pytest
from django.test import Client

from cuentas.models import EmailCuenta
from pruebas.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

VENTANA = 3  # seconds a lock lasts in these tests (AXES_COOLOFF_MINUTOS in production)


@pytest.fixture
def bloqueo_corto(settings):
    """The production limits with a three-second lock, as AXES_COOLOFF_MINUTOS would set them.

    The per-IP ceiling on every attempt (allauth's ``login``, 30 a minute) is scaled to
    the same window, or the 30 attempts plus the right password would still be over it.
    """
    settings.AXES_COOLOFF_TIME = timedelta(seconds=VENTANA)
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login": f"60/{VENTANA}s/ip",
        "login_failed": (
            f"{settings.LOGIN_FALLOS_POR_IP}/{VENTANA}s/ip,{settings.LOGIN_FALLOS_POR_USUARIO}/{VENTANA}s/key"
        ),
    }
    return settings


def _intentos(cliente: Client, ruta: str, usuario: str, veces: int) -> list[int]:
    return [cliente.post(ruta, {"username": usuario, "password": f"mala{n}"}).status_code for n in range(veces)]


@pytest.mark.parametrize("ruta", ["/accounts/login/", "/admin/login/"])
def test_30_contrasenas_malas_bloquean_con_429_a_ese_usuario_sin_tocar_a_otros_y_el_bloqueo_vence(
    bloqueo_corto, ip, ruta
):
    UsuarioFactory(username="victima", is_staff=True)
    UsuarioFactory(username="otra", is_staff=True)
    atacante = Client(REMOTE_ADDR=ip())

    inicio = time.monotonic()
    codigos = _intentos(atacante, ruta, "victima", 30)
    # The attempts must come faster than the window slides, or some would be let through.
    assert time.monotonic() - inicio < VENTANA

    limite = bloqueo_corto.AXES_FAILURE_LIMIT
    assert codigos[: limite - 1] == [200] * (limite - 1)  # the form again, with its error
    assert codigos[limite:] == [429] * (30 - limite)
    bloqueada = atacante.post(ruta, {"username": "victima", "password": "demo12345"})
    assert bloqueada.status_code == 429  # even the right password, while locked
    assert "Demasiados intentos" in bloqueada.content.decode() and 'name="password"' not in bloqueada.content.decode()
    assert "_auth_user_id" not in atacante.session

    # Another user, from their own address, is not affected.
    otra = Client(REMOTE_ADDR=ip())
    assert otra.post(ruta, {"username": "otra", "password": "demo12345"}).status_code == 302
    assert "_auth_user_id" in otra.session

    # The lock ends by itself.
    time.sleep(VENTANA + 0.5)
    assert atacante.post(ruta, {"username": "victima", "password": "demo12345"}).status_code == 302
    assert "_auth_user_id" in atacante.session


def test_axes_guarda_el_bloqueo_por_usuario_e_ip(bloqueo_corto, ip):
    from axes.models import AccessAttempt

    UsuarioFactory(username="marta")
    direccion = ip()
    _intentos(Client(REMOTE_ADDR=direccion), "/admin/login/", "marta", bloqueo_corto.AXES_FAILURE_LIMIT)
    intento = AccessAttempt.objects.get(username="marta")
    assert intento.ip_address == direccion and intento.failures_since_start == bloqueo_corto.AXES_FAILURE_LIMIT


def test_muchos_usuarios_desde_una_ip_topan_con_el_limite_por_ip(bloqueo_corto, ip):
    cliente = Client(REMOTE_ADDR=ip())
    codigos = [
        cliente.post("/accounts/login/", {"username": f"nadie{n}", "password": "x"}).status_code
        for n in range(bloqueo_corto.LOGIN_FALLOS_POR_IP + 1)
    ]
    assert codigos[:-1] == [200] * bloqueo_corto.LOGIN_FALLOS_POR_IP
    assert codigos[-1] == 429


@pytest.mark.parametrize("ruta", ["/accounts/login/", "/admin/login/"])
def test_un_usuario_atacado_desde_muchas_ips_topa_con_el_limite_por_usuario(bloqueo_corto, ip, ruta):
    UsuarioFactory(username="famosa", is_staff=True)
    limite = bloqueo_corto.LOGIN_FALLOS_POR_USUARIO
    codigos = [
        Client(REMOTE_ADDR=ip()).post(ruta, {"username": "famosa", "password": f"mala{n}"}).status_code
        for n in range(limite + 1)
    ]
    assert codigos == [200] * limite + [429]  # each address failed once: axes alone would not lock


def test_pedir_el_reset_responde_igual_exista_o_no_la_direccion(client):
    UsuarioFactory(username="existe", email="existe@example.com")
    existe = client.post("/accounts/password/reset/", {"email": "existe@example.com"})
    no_existe = client.post("/accounts/password/reset/", {"email": "nadie@example.com"})
    assert existe.status_code == no_existe.status_code == 302
    assert existe["Location"] == no_existe["Location"] == "/accounts/password/reset/done/"
    # Both get an email (the unknown one says there is no account), so neither answer nor timing tells.
    assert sorted(e.para[0] for e in EmailCuenta.objects.all()) == ["existe@example.com", "nadie@example.com"]


def test_pedir_el_reset_esta_limitado_por_direccion_y_por_ip(client, settings, ip):
    UsuarioFactory(username="pide", email="pide@example.com")
    por_direccion = [
        client.post("/accounts/password/reset/", {"email": "pide@example.com"}).status_code
        for _ in range(settings.RESET_POR_EMAIL_POR_MINUTO + 1)
    ]
    assert por_direccion == [302] * settings.RESET_POR_EMAIL_POR_MINUTO + [429]

    desde_una_ip = Client(REMOTE_ADDR=ip())
    por_ip = [
        desde_una_ip.post("/accounts/password/reset/", {"email": f"otro{n}@example.com"}).status_code
        for n in range(settings.RESET_POR_IP_POR_MINUTO + 1)
    ]
    assert por_ip == [302] * settings.RESET_POR_IP_POR_MINUTO + [429]
