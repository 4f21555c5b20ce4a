"""Create and remove django-celery-beat schedules from data migrations.

The schedules live in the database so ops can change times, pause or run them from
the admin (Periodic tasks). A row that already exists under the same name is left as
it is, so an edited schedule survives a re-run of the migrations.
"""

from django.db import migrations
from django.utils import timezone

ZONA = "America/Mexico_City"


def programar(apps, tareas: list[dict]) -> None:
    """Create each task of ``tareas`` (name, task, description, crontab or interval, expire_seconds)."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for tarea in tareas:
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
    _avisar_a_beat(apps)


def desprogramar(apps, tareas: list[dict]) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[tarea["name"] for tarea in tareas]).delete()
    _avisar_a_beat(apps)


def _avisar_a_beat(apps) -> None:
    """Tell a running beat to reload (the model's signals do not fire in migrations)."""
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def operacion(tareas: list[dict]) -> migrations.RunPython:
    """Return the migration operation that creates ``tareas``, and deletes them when unapplied."""

    def crear(apps, schema_editor):
        programar(apps, tareas)

    def borrar(apps, schema_editor):
        desprogramar(apps, tareas)

    return migrations.RunPython(crear, borrar)


def retirar(tareas: list[dict]) -> migrations.RunPython:
    """Return the migration operation that deletes ``tareas``, and creates them again when unapplied."""
    crear = operacion(tareas)
    return migrations.RunPython(crear.reverse_code, crear.code)
