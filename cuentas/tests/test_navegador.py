"""A new shopper in a real browser: signs up, confirms the address from the email the worker sent, logs in, buys."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from notificaciones.tests.test_navegador import comprar, navegador, sync_api  # noqa: F401 - the fixture
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.procesos import esperar
from ventas.models import Venta

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def producto(transactional_db):
    return ProductoFactory(vendedor=UsuarioFactory(username="vende_alta"), nombre="Salsa macha", stock=5)


def _ventas_de(username: str) -> list[int]:
    # In a thread of its own: Playwright's sync API runs an event loop in this one, where Django refuses ORM calls.
    with ThreadPoolExecutor(1) as hilo:
        return hilo.submit(
            lambda: list(Venta.objects.filter(comprador__username=username).values_list("pk", flat=True))
        ).result()


def test_registrarse_confirmar_el_email_entrar_y_comprar(daphne, celery_worker, buzon, producto, navegador):  # noqa: F811
    # (navegador last: the data is made before Playwright's loop starts.)
    base = f"http://127.0.0.1:{daphne[1]}"
    expect = sync_api.expect
    expect.set_options(timeout=15_000)
    pagina = navegador.new_context().new_page()

    pagina.goto(f"{base}/")
    pagina.click("text=Crear cuenta")
    pagina.fill("#id_username", "nueva")
    pagina.fill("#id_email", "nueva@example.com")
    pagina.fill("#id_password1", "unaClave-larga9")
    pagina.fill("#id_password2", "unaClave-larga9")
    pagina.click("button[type=submit]")
    expect(pagina.locator("h1")).to_have_text("Confirma tu email")

    [mensaje] = esperar(lambda: buzon.para("nueva@example.com"), timeout=30, mensaje="the verification email")
    texto = mensaje.get_body(preferencelist=("plain",)).get_content()
    enlace = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", texto).group(1)
    pagina.goto(f"{base}{enlace}")
    pagina.click("button[type=submit]")

    pagina.goto(f"{base}/accounts/login/?next=/productos/{producto.pk}/")
    pagina.fill("#id_username", "nueva")
    pagina.fill("#id_password", "unaClave-larga9")
    pagina.click("form.formulario button[type=submit]")
    pagina.wait_for_url(f"{base}/productos/{producto.pk}/")
    expect(pagina.locator("header")).to_contain_text("Salir (nueva)")

    comprar(pagina, base, producto)
    [venta] = _ventas_de("nueva")
    assert pagina.url == f"{base}/ventas/{venta}/"
