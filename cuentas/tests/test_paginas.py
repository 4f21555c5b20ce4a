"""The account pages and error pages, through Django's test client (no stack)."""

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from cuentas.models import EmailCuenta
from pruebas.factories import UsuarioFactory

pytestmark = pytest.mark.django_db


def test_la_contrasena_demo_solo_se_ve_con_debug(client, settings):
    settings.DEBUG = True
    assert settings.DEMO_PASSWORD in client.get("/accounts/login/").content.decode()
    settings.DEBUG = False
    pagina = client.get("/accounts/login/").content.decode()
    assert settings.DEMO_PASSWORD not in pagina
    assert 'name="username"' in pagina and 'name="password"' in pagina


def test_un_login_fallido_conserva_el_usuario_y_el_formulario(client):
    UsuarioFactory(username="rosa")
    respuesta = client.post("/accounts/login/", {"username": "rosa", "password": "equivocada"})
    assert respuesta.status_code == 200
    html = respuesta.content.decode()
    assert 'id="id_username" value="rosa"' in html
    assert 'role="alert"' in html
    assert "_auth_user_id" not in client.session


def test_login_por_el_formulario_y_logout_solo_por_post(client):
    usuario = UsuarioFactory(username="lalo")
    respuesta = client.post(
        "/accounts/login/?next=/carrito/", {"username": "lalo", "password": "demo12345", "next": "/carrito/"}
    )
    assert respuesta.status_code == 302 and respuesta["Location"] == "/carrito/"
    assert client.session["_auth_user_id"] == str(usuario.pk)

    assert client.get("/accounts/logout/").status_code == 200  # a confirmation page, not a logout
    assert client.session["_auth_user_id"] == str(usuario.pk)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_sin_email_verificado_no_se_entra(client, buzon):
    usuario = UsuarioFactory(username="sinverificar")
    usuario.emailaddress_set.update(verified=False)
    respuesta = client.post("/accounts/login/", {"username": "sinverificar", "password": "demo12345"})
    assert respuesta.status_code == 302 and respuesta["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert buzon.mensajes == []  # the new verification email waits for the worker (no commit in this test)


def test_las_paginas_de_cuenta_llevan_el_aspecto_de_la_tienda(client):
    for ruta in ["/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"]:
        html = client.get(ruta).content.decode()
        assert 'class="marca"' in html and "css/tienda.css" in html, ruta
        assert 'lang="es-MX"' in html
    assert "Crear cuenta" in client.get("/accounts/signup/").content.decode()


def test_seed_demo_sin_debug_no_crea_el_superusuario_salvo_que_se_pida(settings, capsys, django_user_model):
    settings.DEBUG = False
    call_command("seed_demo")
    assert not django_user_model.objects.filter(username="admin").exists()
    assert django_user_model.objects.filter(username="comprador").exists()
    assert "NO crea el superusuario" in capsys.readouterr().err

    call_command("seed_demo", "--superusuario")
    assert django_user_model.objects.get(username="admin").is_superuser


def test_los_usuarios_demo_tienen_el_email_verificado_y_entran(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    respuesta = client.post("/accounts/login/", {"username": "vendedor", "password": settings.DEMO_PASSWORD})
    assert respuesta.status_code == 302
    assert "_auth_user_id" in client.session


def test_404_y_403_con_la_marca_sin_debug_y_la_pagina_de_django_con_debug(client, settings):
    settings.DEBUG = False
    no_existe = client.get("/no-existe/")
    assert no_existe.status_code == 404
    assert "No encontramos esa página" in no_existe.content.decode() and 'class="marca"' in no_existe.content.decode()

    client.force_login(UsuarioFactory(username="curioso"))
    prohibido = client.get("/estadisticas/")
    assert prohibido.status_code == 403
    assert "No tienes permiso" in prohibido.content.decode()

    settings.DEBUG = True
    assert "URLconf" in client.get("/no-existe/").content.decode()  # Django's own debug 404


def test_la_pagina_500_no_necesita_peticion_ni_base_de_datos(settings, django_assert_num_queries):
    settings.DEBUG = False
    with django_assert_num_queries(0):
        respuesta = server_error(RequestFactory().get("/"))
    assert respuesta.status_code == 500
    assert "Algo salió mal" in respuesta.content.decode() and "Mi Tienda" in respuesta.content.decode()


def test_400_por_host_ajeno_y_403_de_csrf_con_la_marca(settings):
    settings.DEBUG = False
    ajeno = Client().get("/", HTTP_HOST="atacante.example")
    assert ajeno.status_code == 400 and "No entendimos esa petición" in ajeno.content.decode()

    sin_token = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert sin_token.status_code == 403
    assert "El formulario caducó" in sin_token.content.decode() and 'class="marca"' in sin_token.content.decode()


def test_el_admin_lista_los_emails_de_cuenta_sin_sus_cuerpos(admin_client, client):
    client.post("/accounts/password/reset/", {"email": "quien@example.com"})
    pagina = admin_client.get("/admin/cuentas/emailcuenta/")
    assert pagina.status_code == 200 and "quien@example.com" in pagina.content.decode()
    detalle = admin_client.get(f"/admin/cuentas/emailcuenta/{EmailCuenta.objects.get().pk}/change/")
    assert detalle.status_code == 200 and "/accounts/signup/" not in detalle.content.decode()
