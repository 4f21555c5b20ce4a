"""The factory_boy factories of every app's tests (and of the benchmarks' data)."""

from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model

from imagenes.models import ImagenUsuario
from ventas.models import LineaVenta, Producto, Proveedor, Venta


class UsuarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"usuario{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def guardar(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        if create:
            obj.save()
            if obj.email:
                # allauth's mandatory verification: a shop user has a verified address, so it can log in.
                from allauth.account.models import EmailAddress

                EmailAddress.objects.get_or_create(
                    user=obj, email=obj.email, defaults={"verified": True, "primary": True}
                )


class ProveedorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proveedor

    nombre = factory.Sequence(lambda n: f"Proveedor {n}")
    email = factory.Sequence(lambda n: f"proveedor{n}@example.com")


class ProductoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Producto

    nombre = factory.Sequence(lambda n: f"Producto {n}")
    descripcion = "Un producto de prueba."
    precio = Decimal("100.00")
    stock = 10
    stock_minimo = 2
    vendedor = factory.SubFactory(UsuarioFactory)
    proveedor = factory.SubFactory(ProveedorFactory)


class VentaFactory(factory.django.DjangoModelFactory):
    """A paid order of one product written straight to the tables: no stock reserved, no pipeline run.

    Data for reports, statistics and pages. ``producto`` and ``cantidad`` make its one
    line (pass ``lineas=[(producto, cantidad), ...]`` for several); ``fecha_creacion``
    (``auto_now_add`` on the model) and ``numero`` are written after the insert, when the
    order has its id.
    """

    class Meta:
        model = Venta

    comprador = factory.SubFactory(UsuarioFactory)
    estado = Venta.Estado.PAGADA
    total = Decimal("0")
    envio_nombre = "Ana López"
    envio_direccion = "Av. Reforma 222"
    envio_ciudad = "Ciudad de México"
    envio_codigo_postal = "06600"
    metodo_pago = "pm_card_visa"

    @classmethod
    def _create(
        cls, model_class, *args, fecha_creacion=None, numero=None, producto=None, cantidad=1, lineas=None, **kwargs
    ):
        lineas = lineas or [(producto or ProductoFactory(), cantidad)]
        venta = super()._create(model_class, *args, **kwargs)
        for producto_linea, cantidad_linea in lineas:
            LineaVenta.objects.create(
                venta=venta,
                producto=producto_linea,
                vendedor=producto_linea.vendedor,
                cantidad=cantidad_linea,
                precio_unitario=producto_linea.precio,
                subtotal=producto_linea.precio * cantidad_linea,
            )
        cambios = {
            "numero": numero or f"V-{venta.pk:05d}",
            "total": sum((p.precio * c for p, c in lineas), Decimal("0")),
        }
        if fecha_creacion is not None:
            cambios["fecha_creacion"] = fecha_creacion
        if venta.estado != Venta.Estado.PENDIENTE_PAGO and "fecha_pago" not in kwargs:
            cambios["fecha_pago"] = fecha_creacion or venta.fecha_creacion
        model_class.objects.filter(pk=venta.pk).update(**cambios)
        venta.refresh_from_db()
        return venta


# The address the tests ship to, as the checkout form's fields and as the service's value.
ENVIO = {
    "envio_nombre": "Ana López",
    "envio_direccion": "Av. Reforma 222, int. 3",
    "envio_ciudad": "Ciudad de México",
    "envio_codigo_postal": "06600",
    "envio_telefono": "55 1234 5678",
}


def datos_envio():
    from ventas.services import DatosEnvio

    return DatosEnvio(
        nombre=ENVIO["envio_nombre"],
        direccion=ENVIO["envio_direccion"],
        ciudad=ENVIO["envio_ciudad"],
        codigo_postal=ENVIO["envio_codigo_postal"],
        telefono=ENVIO["envio_telefono"],
    )


class ImagenUsuarioFactory(factory.django.DjangoModelFactory):
    """An image row as the upload leaves it (``procesando``); pass ``archivo_original`` for its file."""

    class Meta:
        model = ImagenUsuario

    usuario = factory.SubFactory(UsuarioFactory)
