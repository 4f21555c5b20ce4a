"""Chromium on the main pages under the strict Content-Security-Policy: no violation is
reported, and the notifications socket connects under ``connect-src 'self'`` (CSP Level 3
lets 'self' match ws: on the page's own host)."""

import pytest
from django_celery_beat.models import CrontabSchedule

from imagenes.models import ImagenUsuario
from notificaciones.tests.test_navegador import entrar, navegador, sync_api  # noqa: F401 - the fixture
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.pedidos import comprar_y_pagar
from ventas import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation the page sees, whatever its directive (the console says the same in words).
VIOLACIONES = """
  window.__violaciones = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__violaciones.push(e.violatedDirective + " " + e.blockedURI);
  });
"""


INYECTAR = """() => {
  const s = document.createElement("script");
  s.textContent = "window.__inyectado = true";
  document.body.appendChild(s);
  return window.__inyectado === true;
}"""


@pytest.fixture
def tienda(transactional_db):
    vendedora = UsuarioFactory(username="vendedor", is_staff=True, is_superuser=True)
    comprador = UsuarioFactory(username="comprador")
    producto = ProductoFactory(vendedor=vendedora, nombre="Café de Chiapas", stock=20)
    venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    imagen = ImagenUsuario.objects.create(usuario=vendedora, descripcion="Foto")
    cron = CrontabSchedule.objects.create(minute="0", hour="8", timezone="America/Mexico_City")
    return {"producto": producto, "venta": venta, "imagen": imagen, "cron": cron}


def _sin_violaciones(contexto, base: str, usuario: str, paginas: list[str]) -> list[str]:
    """Log in as ``usuario``, open each page; return every CSP complaint seen."""
    quejas = []
    contexto.add_init_script(VIOLACIONES)
    pagina = entrar(contexto, base, usuario, paginas[0])
    pagina.on("console", lambda m: "Content Security Policy" in m.text and quejas.append(f"{pagina.url}: {m.text}"))
    for ruta in paginas:
        respuesta = pagina.goto(f"{base}{ruta}")
        assert "default-src 'self'" in respuesta.headers.get("content-security-policy", ""), ruta
        pagina.wait_for_load_state("networkidle")
        if ruta == "/vendedor/":
            sync_api.expect(pagina.locator("#estado-conexion")).to_have_text("En vivo", timeout=15_000)
        quejas += [f"{ruta}: {v}" for v in pagina.evaluate("window.__violaciones")]
    return quejas


def test_las_paginas_principales_no_violan_la_politica(daphne, tienda, navegador):  # noqa: F811 - the fixture
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"
    producto, venta, imagen = tienda["producto"].pk, tienda["venta"].pk, tienda["imagen"].pk
    de_la_vendedora = [
        "/vendedor/",
        "/",
        "/?q=caf",
        f"/productos/{producto}/",
        "/estadisticas/",
        "/imagenes/subir/",
        "/imagenes/",
        f"/imagenes/{imagen}/",
        "/admin/",
        f"/admin/ventas/producto/{producto}/change/",
        "/admin/django_celery_beat/periodictask/add/",
    ]
    del_comprador = ["/", "/carrito/", "/ventas/", f"/ventas/{venta}/"]
    quejas = _sin_violaciones(navegador.new_context(), base, "vendedor", de_la_vendedora)
    quejas += _sin_violaciones(navegador.new_context(), base, "comprador", del_comprador)
    # The periodic-task form's help, moved out of its inline script, still says the schedule in words.
    admin = entrar(navegador.new_context(), base, "vendedor", "/admin/django_celery_beat/periodictask/add/")
    admin.select_option("#id_crontab", str(tienda["cron"].pk))
    sync_api.expect(admin.locator(".field-crontab .help")).to_contain_text("Translation: At 08:00")
    assert admin.locator(".field-crontab_translation").is_hidden()

    anonimo = navegador.new_context().new_page()
    anonimo.on("console", lambda m: "Content Security Policy" in m.text and quejas.append(f"login: {m.text}"))
    anonimo.goto(f"{base}/accounts/login/")
    assert anonimo.evaluate("document.querySelector('form') !== null")
    assert quejas == []

    # And the policy bites: a script injected into the page (what an XSS would do) does not run.
    assert anonimo.evaluate(INYECTAR) is False
