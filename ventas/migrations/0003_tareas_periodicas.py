"""Create the shop's periodic tasks for django-celery-beat's DatabaseScheduler.

They live in the database so ops can change times, pause or run them from the
admin (Periodic tasks). Existing rows with the same name are left as they are, so
an edited schedule survives a re-run of the migrations.
"""

from django.db import migrations
from django.utils import timezone

ZONA = "America/Mexico_City"

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


def crear_tareas(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for tarea in TAREAS:
        if PeriodicTask.objects.filter(name=tarea["name"]).exists():
            continue
        horario = {}
        if "crontab" in tarea:
            horario["crontab"], _ = CrontabSchedule.objects.get_or_create(**tarea["crontab"], timezone=ZONA)
        else:
            horario["interval"], _ = IntervalSchedule.objects.get_or_create(**tarea["interval"])
        PeriodicTask.objects.create(
            name=tarea["name"],
            task=tarea["task"],
            description=tarea["description"],
            expire_seconds=tarea.get("expire_seconds"),
            **horario,
        )
    # Tell a running beat to reload (the model's signals do not fire in migrations).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def borrar_tareas(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[tarea["name"] for tarea in TAREAS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ventas", "0002_estadisticaventas"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(crear_tareas, borrar_tareas)]
