"""Create the shop's periodic tasks for django-celery-beat's DatabaseScheduler (see myproject/beat.py)."""

from django.db import migrations

from myproject.beat import operacion

TAREAS = [
    {
        "name": "Reporte diario de ventas",
        "task": "ventas.tasks.generar_reporte_diario",
        "crontab": {"minute": "0", "hour": "8", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
        "description": "08:00 (Ciudad de México): las ventas de ayer en CSV, por email a MANAGERS_EMAILS.",
    },
    {
        "name": "Limpiar carritos abandonados",
        "task": "ventas.tasks.limpiar_carritos_abandonados",
        "interval": {"every": 2, "period": "hours"},
        "expire_seconds": 60 * 60,
        "description": "Cada 2 h: recuerda una vez los carritos sin tocar 7 días y borra los ya recordados.",
    },
    {
        "name": "Actualizar estadísticas de ventas",
        "task": "ventas.tasks.actualizar_estadisticas",
        "interval": {"every": 5, "period": "minutes"},
        # A refresh that waited longer than its interval is superseded by the next one.
        "expire_seconds": 4 * 60,
        "description": "Cada 5 min, en la cola analytics: ventas por día, ingresos, top productos, por vendedor.",
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("ventas", "0002_estadisticaventas"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [operacion(TAREAS)]
