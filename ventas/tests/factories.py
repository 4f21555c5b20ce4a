from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model

from ventas.models import Producto, Proveedor


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
