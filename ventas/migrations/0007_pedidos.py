"""Orders, step 1 of 3: the order's new columns, its lines, saved addresses.

The sale's product columns stay until 0008 has copied every sale into an order with one
line; 0009 drops them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ventas", "0006_envioemail_reclamante"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="venta",
            name="total",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name="total"),
        ),
        migrations.AddField(
            model_name="venta",
            name="envio_nombre",
            field=models.CharField(default="", max_length=120, verbose_name="nombre de quien recibe"),
        ),
        migrations.AddField(
            model_name="venta",
            name="envio_direccion",
            field=models.CharField(default="", max_length=255, verbose_name="calle y número"),
        ),
        migrations.AddField(
            model_name="venta",
            name="envio_ciudad",
            field=models.CharField(default="", max_length=120, verbose_name="ciudad"),
        ),
        migrations.AddField(
            model_name="venta",
            name="envio_codigo_postal",
            field=models.CharField(default="", max_length=10, verbose_name="código postal"),
        ),
        migrations.AddField(
            model_name="venta",
            name="envio_telefono",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="teléfono"),
        ),
        migrations.AddField(
            model_name="venta",
            name="metodo_pago",
            field=models.CharField(blank=True, default="", editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="venta",
            name="pago_referencia",
            field=models.CharField(blank=True, default="", editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="venta",
            name="pago_nota",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
        migrations.AddField(
            model_name="venta",
            name="fecha_pago",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="venta",
            name="estado",
            field=models.CharField(db_index=True, default="pendiente_pago", max_length=20),
        ),
        migrations.CreateModel(
            name="LineaVenta",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("cantidad", models.PositiveIntegerField(verbose_name="cantidad")),
                ("precio_unitario", models.DecimalField(decimal_places=2, max_digits=10, verbose_name="precio unitario")),
                ("subtotal", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="subtotal")),
                (
                    "producto",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lineas_venta",
                        to="ventas.producto",
                        verbose_name="producto",
                    ),
                ),
                (
                    "vendedor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lineas_vendidas",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="vendedor",
                    ),
                ),
                (
                    "venta",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lineas",
                        to="ventas.venta",
                        verbose_name="venta",
                    ),
                ),
            ],
            options={
                "verbose_name": "línea de venta",
                "verbose_name_plural": "líneas de venta",
                "ordering": ["venta", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("venta", "producto"), name="producto_una_vez_por_venta"),
                    models.CheckConstraint(condition=models.Q(("cantidad__gt", 0)), name="linea_cantidad_positiva"),
                    models.CheckConstraint(condition=models.Q(("subtotal__gte", 0)), name="linea_subtotal_no_negativo"),
                ],
            },
        ),
        migrations.CreateModel(
            name="DireccionEnvio",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("nombre", models.CharField(max_length=120, verbose_name="nombre de quien recibe")),
                ("direccion", models.CharField(max_length=255, verbose_name="calle y número")),
                ("ciudad", models.CharField(max_length=120, verbose_name="ciudad")),
                ("codigo_postal", models.CharField(max_length=10, verbose_name="código postal")),
                ("telefono", models.CharField(blank=True, max_length=20, verbose_name="teléfono")),
                ("creada", models.DateTimeField(auto_now_add=True, verbose_name="creada")),
                (
                    "usuario",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="direcciones",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="usuario",
                    ),
                ),
            ],
            options={
                "verbose_name": "dirección de envío",
                "verbose_name_plural": "direcciones de envío",
                "ordering": ["-creada", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("usuario", "nombre", "direccion", "ciudad", "codigo_postal", "telefono"),
                        name="direccion_una_vez_por_usuario",
                    )
                ],
            },
        ),
        migrations.AlterField(
            model_name="movimientoinventario",
            name="venta",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="movimientos",
                to="ventas.venta",
                verbose_name="venta",
            ),
        ),
    ]
