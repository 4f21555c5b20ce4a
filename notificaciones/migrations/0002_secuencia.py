import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def numerar(apps, schema_editor):
    """Number each user's existing notifications 1, 2, 3… in id order and set their counter."""
    Notificacion = apps.get_model("notificaciones", "Notificacion")
    ContadorNotificaciones = apps.get_model("notificaciones", "ContadorNotificaciones")
    usuarios = Notificacion.objects.values_list("usuario_id", flat=True).distinct().order_by("usuario_id")
    for usuario_id in usuarios:
        filas = list(Notificacion.objects.filter(usuario_id=usuario_id).order_by("pk").only("pk"))
        for secuencia, fila in enumerate(filas, start=1):
            fila.secuencia = secuencia
        Notificacion.objects.bulk_update(filas, ["secuencia"], batch_size=500)
        ContadorNotificaciones.objects.create(usuario_id=usuario_id, ultima_secuencia=len(filas))


class Migration(migrations.Migration):
    dependencies = [
        ("notificaciones", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ContadorNotificaciones",
            fields=[
                (
                    "usuario",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("ultima_secuencia", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "contador de notificaciones",
                "verbose_name_plural": "contadores de notificaciones",
            },
        ),
        migrations.AddField(
            model_name="notificacion",
            name="secuencia",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(numerar, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notificacion",
            name="secuencia",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="notificacion",
            constraint=models.UniqueConstraint(fields=("usuario", "secuencia"), name="notif_usuario_secuencia"),
        ),
    ]
