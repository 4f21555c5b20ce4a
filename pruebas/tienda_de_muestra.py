"""A small shop with something on every page, for the browser checks and the README screenshots.

``hacer_tienda()`` needs database access; it returns the users and the ``ids`` that the
routes of pruebas/paginas.py are formatted with. ``vender()`` makes one sale of a
seller's product from another thread (Playwright's sync API keeps an event loop running
in the test's thread, where Django refuses ORM calls).
"""

import io
import threading

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from almacen.avisos import GRUPO as GRUPO_ALMACEN
from imagenes import services as imagenes
from imagenes.models import ImagenUsuario
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.pedidos import comprar_y_pagar
from ventas import services as ventas


def _foto(ancho: int = 1600, alto: int = 1200) -> bytes:
    imagen = Image.new("RGB", (ancho, alto))
    for x in range(0, ancho, 40):  # a few stripes, so the versions are not one flat colour
        imagen.paste((180 - x % 120, 90 + x % 100, 60), (x, 0, x + 20, alto))
    salida = io.BytesIO()
    imagen.save(salida, "JPEG", quality=85)
    return salida.getvalue()


def imagen_lista(usuario, descripcion: str) -> ImagenUsuario:
    """Make an image with its versions and metadata, approved (the steps run here, not in the chord)."""
    imagen = imagenes.crear_imagen(
        usuario=usuario, archivo=SimpleUploadedFile("foto.jpg", _foto()), descripcion=descripcion, formato="JPEG"
    )
    imagenes.generar_thumbnails(imagen_id=imagen.pk)
    imagenes.extraer_metadatos(imagen_id=imagen.pk)
    ImagenUsuario.objects.filter(pk=imagen.pk).update(contenido_seguro=True, confianza_analisis=0.99)
    imagenes.finalizar_procesamiento(imagen_id=imagen.pk)
    return ImagenUsuario.objects.get(pk=imagen.pk)


def hacer_tienda() -> dict:
    vera = UsuarioFactory(username="vera", first_name="Vera", last_name="Vendedora")
    almacen = UsuarioFactory(username="almacen_muestra", first_name="Alma", last_name="Almacén")
    almacen.groups.add(Group.objects.get_or_create(name=GRUPO_ALMACEN)[0])
    otro = UsuarioFactory(username="otro_vendedor")
    comprador = UsuarioFactory(username="comprador")
    cafe = ProductoFactory(
        vendedor=vera,
        nombre="Café de Chiapas 500 g",
        precio="189.00",
        stock=240,
        stock_minimo=5,
        descripcion="Tueste medio.",
    )
    ProductoFactory(vendedor=vera, nombre="Mole poblano 250 g", precio="95.50", stock=3, stock_minimo=4)
    caja = ProductoFactory(vendedor=otro, nombre="Caja de regalo grande con moño", precio="6637.90", stock=10)
    foto = imagen_lista(vera, "Taza de café en la mesa")
    imagenes.asignar_a_producto(imagen_id=foto.pk, producto_id=cafe.pk, usuario=vera)
    venta = comprar_y_pagar(comprador=vera, producto_id=caja.pk, cantidad=1)
    ventas.agregar_al_carrito(usuario=vera, producto_id=caja.pk, cantidad=2)
    comprar_y_pagar(comprador=comprador, producto_id=cafe.pk, cantidad=2)
    vera.notificaciones.update(leida=True)
    return {
        "vendedor": vera,
        "almacen": almacen,
        "comprador": comprador,
        "cafe": cafe,
        "ids": {"producto": cafe.pk, "otro_producto": caja.pk, "venta": venta.pk, "imagen": foto.pk},
    }


def en_otro_hilo(funcion, *args, **kwargs):
    """Run ``funcion`` in another thread with its own database connection; return its result."""
    resultado, error = [], []

    def hacer():
        try:
            resultado.append(funcion(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
            error.append(exc)
        finally:
            connection.close()

    hilo = threading.Thread(target=hacer)
    hilo.start()
    hilo.join(timeout=30)
    if error:
        raise error[0]
    return resultado[0] if resultado else None


def vender(*, comprador, producto_id: int, cantidad: int = 1):
    """Make one paid order from another thread, committed when this returns (its seller is told then)."""
    return en_otro_hilo(comprar_y_pagar, comprador=comprador, producto_id=producto_id, cantidad=cantidad)


def marcar_todo_leido(usuario) -> None:
    """Mark every notification of ``usuario`` read, from another thread."""
    en_otro_hilo(lambda: usuario.notificaciones.update(leida=True))
