"""The factory_boy factories of every app's tests (and of the benchmarks' data)."""

from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model

from imagenes.models import ImagenUsuario
from ventas.models import Producto, Proveedor, Venta


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
    """A completed sale written straight to the table: no stock reserved, no pipeline run.

    Data for reports and statistics. ``fecha_creacion`` (``auto_now_add`` on the model)
    and ``numero`` are written after the insert, when the sale has its id.
    """

    class Meta:
        model = Venta

    producto = factory.SubFactory(ProductoFactory)
    comprador = factory.SubFactory(UsuarioFactory)
    vendedor = factory.SelfAttribute("producto.vendedor")
    cantidad = 1
    precio_unitario = factory.SelfAttribute("producto.precio")
    monto = factory.LazyAttribute(lambda v: v.precio_unitario * v.cantidad)
    estado = Venta.Estado.COMPLETADA

    @classmethod
    def _create(cls, model_class, *args, fecha_creacion=None, numero=None, **kwargs):
        venta = super()._create(model_class, *args, **kwargs)
        cambios = {"numero": numero or f"V-{venta.pk:05d}"}
        if fecha_creacion is not None:
            cambios["fecha_creacion"] = fecha_creacion
        model_class.objects.filter(pk=venta.pk).update(**cambios)
        venta.refresh_from_db()
        return venta


class ImagenUsuarioFactory(factory.django.DjangoModelFactory):
    """An image row as the upload leaves it (``procesando``); pass ``archivo_original`` for its file."""

    class Meta:
        model = ImagenUsuario

    usuario = factory.SubFactory(UsuarioFactory)
