"""The order pipeline end to end: HTTP request, on-commit dispatch, a real Celery
worker process on a real Redis, real SMTP. No eager mode."""

import io
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from pypdf import PdfReader

from pruebas.factories import ENVIO, ProductoFactory, UsuarioFactory
from pruebas.pedidos import VISA, comprar, comprar_y_pagar, pagar
from pruebas.procesos import esperar
from ventas import services, tasks
from ventas.models import EnvioEmail, MovimientoInventario, Producto, Venta

pytestmark = pytest.mark.django_db(transaction=True)


def _esperar_email(buzon, venta, timeout=30):
    return esperar(
        lambda: [m for m in buzon.mensajes if venta.numero in m["Subject"]],
        timeout=timeout,
        mensaje=f"the confirmation email of {venta.numero}",
    )


def test_una_compra_de_punta_a_punta(celery_worker, buzon, cliente_comprador, producto, comprador):
    respuesta = cliente_comprador.post(
        f"/ventas/comprar/{producto.pk}/", {"cantidad": "2", "metodo_pago": VISA, **ENVIO}
    )

    venta = Venta.objects.get()
    assert respuesta.status_code == 302
    assert respuesta["Location"] == f"/ventas/{venta.pk}/"
    # The charge itself is pagos' (tested against localstripe there); here the order is
    # settled as its task settles it, and the pipeline runs in the worker.
    assert pagar(venta)
    [email] = _esperar_email(buzon, venta)
    esperar(lambda: Venta.objects.get(pk=venta.pk).email_enviado, mensaje="email_enviado")

    venta.refresh_from_db()
    assert venta.estado == Venta.Estado.PAGADA
    assert email["To"] == comprador.email
    [adjunto] = list(email.iter_attachments())
    assert adjunto.get_content_type() == "application/pdf"
    texto = PdfReader(io.BytesIO(adjunto.get_content())).pages[0].extract_text()
    assert producto.nombre in texto and "$200.00" in texto and venta.numero in texto and "Av. Reforma 222" in texto
    with venta.factura.open("rb") as pdf:
        assert pdf.read() == adjunto.get_content()

    factura = cliente_comprador.get(f"/ventas/{venta.pk}/factura.pdf")
    assert factura.status_code == 200 and factura["Content-Type"] == "application/pdf"
    estado = cliente_comprador.get(f"/ventas/{venta.pk}/estado/").json()
    assert {clave: estado[clave] for clave in ("numero", "estado", "total", "email_enviado", "factura_url")} == {
        "numero": venta.numero,
        "estado": "pagada",
        "total": "200.00",
        "email_enviado": True,
        "factura_url": f"/ventas/{venta.pk}/factura.pdf",
    }


def test_un_servidor_de_correo_ocupado_retrasa_el_email_sin_perderlo_ni_duplicarlo(
    celery_worker, buzon, comprador, producto
):
    buzon.rechazar(2)  # "451 try again later", twice

    venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)

    # The worker retries with backoff (jittered, under 5 s then 10 s) until the server takes it.
    [email] = _esperar_email(buzon, venta, timeout=60)
    esperar(lambda: Venta.objects.get(pk=venta.pk).email_enviado, mensaje="email_enviado")
    assert buzon.rechazados == 2
    assert email["To"] == comprador.email
    envio = EnvioEmail.objects.get(clave=f"confirmacion:venta:{venta.pk}")
    assert envio.enviado is not None and envio.intentos == 3
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.PAGADA


def test_una_compra_deshecha_no_envia_nada(celery_worker, buzon, comprador, producto):
    with pytest.raises(RuntimeError), transaction.atomic():
        pagar(comprar(comprador=comprador, producto_id=producto.pk, cantidad=1))
        raise RuntimeError("the view failed after buying")
    # A sale made afterwards goes through the same queues; once its email is here,
    # anything the rolled-back one had sent would be here too.
    testigo = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    _esperar_email(buzon, testigo)

    # (SQLite hands the rolled-back id out again, so compare numbers, not ids.)
    assert list(Venta.objects.values_list("numero", flat=True)) == [testigo.numero]
    assert [m["Subject"] for m in buzon.mensajes] == [f"Confirmación de tu compra {testigo.numero}"]
    assert Producto.objects.get(pk=producto.pk).stock == 9


def test_la_misma_tarea_dos_veces_envia_un_email(celery_worker, buzon, comprador, producto):
    venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    _esperar_email(buzon, venta)
    esperar(lambda: Venta.objects.get(pk=venta.pk).email_enviado)

    otra_vez = [tasks.enviar_email_confirmacion.delay(venta.pk) for _ in range(2)]
    factura_otra_vez = tasks.generar_factura_pdf.delay(venta.pk)
    inventario_otra_vez = tasks.actualizar_inventario.delay(producto.pk)

    assert [r.get(timeout=30) for r in otra_vez] == [False, False]
    assert factura_otra_vez.get(timeout=30) == Venta.objects.get(pk=venta.pk).factura.name
    assert inventario_otra_vez.get(timeout=30) is False
    assert len(buzon.mensajes) == 1
    assert EnvioEmail.objects.get(clave=f"confirmacion:venta:{venta.pk}").intentos == 1
    assert MovimientoInventario.objects.filter(venta=venta).count() == 1


def test_stock_bajo_avisa_al_proveedor_una_vez_por_cruce(celery_worker, buzon, comprador, producto):
    primera = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=8)  # 10 -> 2 (< 3)
    segunda = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)  # 2 -> 1
    for venta in (primera, segunda):
        _esperar_email(buzon, venta)
    [aviso] = esperar(lambda: buzon.para(producto.proveedor.email), mensaje="the supplier alert")
    # One more check after both sales' own checks: still the same crossing.
    assert tasks.actualizar_inventario.delay(producto.pk).get(timeout=30) is False

    assert len(buzon.para(producto.proveedor.email)) == 1
    assert aviso["Subject"] == f"Stock bajo: {producto.nombre}"
    assert "por debajo del mínimo de 3" in aviso.get_body(("plain",)).get_content()


def _compradores_a_la_vez(producto_id, n):
    compradores = [UsuarioFactory() for _ in range(n)]
    barrera = threading.Barrier(n)
    resultados = []

    def comprar_a_la_vez(usuario):
        try:
            barrera.wait()
            resultados.append(comprar(comprador=usuario, producto_id=producto_id, cantidad=1))
        except services.StockInsuficiente as error:
            resultados.append(error)
        finally:
            connection.close()

    hilos = [threading.Thread(target=comprar_a_la_vez, args=(u,)) for u in compradores]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(60)
    return resultados


def test_veinte_compradores_para_cinco_unidades(localstripe, celery_worker, buzon, vendedor):
    producto = ProductoFactory(vendedor=vendedor, stock=5, stock_minimo=1, precio=Decimal("10.00"))

    resultados = _compradores_a_la_vez(producto.pk, 20)

    ventas = [r for r in resultados if isinstance(r, Venta)]
    assert len(resultados) == 20
    assert len(ventas) == 5
    assert all(isinstance(r, services.StockInsuficiente) for r in resultados if r not in ventas)
    assert Producto.objects.get(pk=producto.pk).stock == 0
    assert Venta.objects.filter(lineas__producto=producto).count() == 5
    assert MovimientoInventario.objects.filter(producto=producto).count() == 5
    # The session worker charges each at localstripe (pm_card_visa): then each pipeline runs.
    for venta in ventas:
        _esperar_email(buzon, venta, timeout=60)
