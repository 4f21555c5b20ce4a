"""Schedule the sweeper that re-sends the pipeline of sales whose dispatch was lost (see myproject/beat.py)."""

from django.db import migrations

from myproject.beat import operacion

TAREAS = [
    {
        "name": "Reenviar ventas pendientes",
        "task": "ventas.tasks.reenviar_ventas_pendientes",
        "interval": {"every": 5, "period": "minutes"},
        # Shorter than the interval, so runs do not pile up while the workers are down.
        "expire_seconds": 4 * 60,
        "description": "Cada 5 min: reenvía el proceso de las ventas que siguen pendientes tras VENTAS_REENVIO_TRAS.",
    },
]


class Migration(migrations.Migration):
    dependencies = [("ventas", "0003_tareas_periodicas")]

    operations = [operacion(TAREAS)]
