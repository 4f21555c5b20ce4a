"""Create the demo users, suppliers and products, each with a photo. Safe to run again: it adds what is missing."""

import os
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from almacen.avisos import GRUPO as GRUPO_ALMACEN
from ventas.models import Producto, Proveedor

from ._fotos_demo import dar_foto

USUARIOS = [
    # username, email, first name, staff, superuser
    ("admin", "admin@mitienda.local", "Admin", True, True),
    ("vendedor", "vendedor@mitienda.local", "Valeria Vendedora", False, False),
    ("comprador", "comprador@mitienda.local", "Carlos Comprador", False, False),
    ("almacen", "almacen@mitienda.local", "Alma Almacén", False, False),
]

PROVEEDORES = [
    ("Distribuidora del Valle", "pedidos@delvalle.example"),
    ("Importaciones Pacífico", "compras@pacifico.example"),
]

# nombre, descripcion, precio, stock, stock_minimo, proveedor index
PRODUCTOS = [
    ("Café de Chiapas 500 g", "Grano entero, tueste medio, cosecha de altura.", "189.00", 40, 5, 0),
    ("Taza de barro", "Hecha a mano en Oaxaca, 350 ml.", "95.50", 25, 5, 0),
    ("Chocolate de mesa", "Cacao tabasqueño con canela, 6 tablillas.", "72.00", 60, 10, 0),
    ("Molcajete de piedra", "Piedra volcánica curada, 20 cm.", "420.00", 8, 3, 0),
    ("Salsa macha", "Chile de árbol, ajo y cacahuate, 250 ml.", "85.00", 30, 5, 0),
    ("Mezcal espadín 750 ml", "Joven, destilado en olla de barro.", "650.00", 12, 4, 1),
    ("Vainilla de Papantla", "Tres vainas enteras, grado A.", "140.00", 6, 5, 1),
    ("Rebozo de algodón", "Tejido en telar de cintura, 2 m.", "980.00", 5, 2, 1),
    ("Miel de abeja melipona", "Frasco de 250 g, Yucatán.", "230.00", 15, 5, 1),
    ("Sombrero de palma", "Tejido a mano, talla única.", "310.00", 10, 3, 1),
    ("Jarabe de agave", "Orgánico, 330 ml.", "99.90", 35, 8, 0),
    ("Libreta de papel amate", "80 hojas, hecha en Puebla.", "150.00", 20, 5, 1),
]


class Command(BaseCommand):
    help = "Create demo users (password DEMO_PASSWORD), suppliers and a dozen products; idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--superusuario",
            action="store_true",
            help="Create the 'admin' superuser even with DEBUG off (also SEED_DEMO_SUPERUSUARIO=1).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        from allauth.account.models import EmailAddress

        pedido = options["superusuario"] or os.environ.get("SEED_DEMO_SUPERUSUARIO") == "1"
        User = get_user_model()
        # A superuser with a known password on a real deployment is an open door: with DEBUG
        # off it is made only when asked for by name.
        sin_superusuario = not settings.DEBUG and not pedido
        if sin_superusuario:
            self.stderr.write(
                self.style.WARNING(
                    "DEBUG está apagado: seed_demo NO crea el superusuario 'admin' (contraseña DEMO_PASSWORD). "
                    "Pásale --superusuario (o SEED_DEMO_SUPERUSUARIO=1) si de verdad lo quieres, "
                    "o crea el tuyo con `python manage.py createsuperuser`."
                )
            )
        usuarios = {}
        for username, email, nombre, staff, superuser in USUARIOS:
            if superuser and sin_superusuario:
                continue
            usuario, creado = User.objects.get_or_create(
                username=username,
                defaults={"email": email, "first_name": nombre, "is_staff": staff, "is_superuser": superuser},
            )
            if creado:
                usuario.set_password(settings.DEMO_PASSWORD)
                usuario.save(update_fields=["password"])
            # allauth's mandatory verification: the demo addresses count as verified, so they can log in.
            EmailAddress.objects.get_or_create(
                user=usuario, email__iexact=email, defaults={"email": email, "verified": True, "primary": True}
            )
            usuarios[username] = usuario
        # The warehouse user opens /almacen/ through its group (created by almacen's migration).
        Group.objects.get_or_create(name=GRUPO_ALMACEN)[0].user_set.add(usuarios["almacen"])
        if apps.is_installed("allauth.account"):
            from allauth.account.models import EmailAddress

            almacen = usuarios["almacen"]
            EmailAddress.objects.get_or_create(
                user=almacen, email=almacen.email, defaults={"verified": True, "primary": True}
            )

        proveedores = [
            Proveedor.objects.get_or_create(nombre=nombre, defaults={"email": email})[0]
            for nombre, email in PROVEEDORES
        ]
        nuevos = fotos = 0
        for nombre, descripcion, precio, stock, minimo, proveedor in PRODUCTOS:
            producto, creado = Producto.objects.get_or_create(
                nombre=nombre,
                vendedor=usuarios["vendedor"],
                defaults={
                    "descripcion": descripcion,
                    "precio": Decimal(precio),
                    "stock": stock,
                    "stock_minimo": minimo,
                    "proveedor": proveedores[proveedor],
                },
            )
            nuevos += creado
            fotos += dar_foto(producto)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo lista: usuarios {', '.join(usuarios)} (contraseña DEMO_PASSWORD), "
                f"{nuevos} productos nuevos, {fotos} fotos nuevas."
            )
        )
