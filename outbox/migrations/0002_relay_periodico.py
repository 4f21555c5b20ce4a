"""Schedule the outbox relay (see myproject/beat.py)."""

from django.db import migrations

from myproject.beat import operacion

TAREAS = [
    {
        "name": "Publicar el outbox",
        "task": "outbox.tasks.relay",
        "interval": {"every": 5, "period": "seconds"},
        # A run that waited this long is superseded by the next ones; none pile up while workers are down.
        "expire_seconds": 20,
        "description": (
            "Cada 5 s: publica los mensajes del outbox que no salieron al confirmar su transacción "
            "(broker caído, proceso muerto) y reintenta con espera creciente los que fallaron."
        ),
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [operacion(TAREAS)]
