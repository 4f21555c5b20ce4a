"""Schedule the sweep that fails images stuck in "procesando" (see myproject/beat.py)."""

from django.db import migrations

from myproject.beat import operacion

TAREAS = [
    {
        "name": "Barrer imágenes atascadas",
        "task": "imagenes.tasks.barrer_imagenes_atascadas",
        "interval": {"every": 5, "period": "minutes"},
        "expire_seconds": 4 * 60,
        "description": "Cada 5 min: falla y avisa las imágenes que siguen procesando tras IMAGENES_MINUTOS_ATASCADA.",
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("imagenes", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [operacion(TAREAS)]
