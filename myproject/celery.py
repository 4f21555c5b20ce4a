"""The Celery app: configured from Django settings (``CELERY_*``), tasks autodiscovered."""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")


class Tarea(Task):
    """The base of every task of the shop: what a task starts inherits its priority.

    Celery's ``task_inherit_parent_priority`` only fills in a priority nobody set, and
    ``task_default_priority`` gives every task one first, so together the inheritance
    never happens. Here a task sent from inside another, with no priority of its own
    asked for, takes its parent's; sent from anywhere else it keeps the default.
    """

    def apply_async(self, args=None, kwargs=None, **options):
        padre = self.app.current_worker_task
        if padre is not None and options.get("priority") is None and self.app.conf.task_inherit_parent_priority:
            prioridad = (padre.request.delivery_info or {}).get("priority")
            if prioridad is not None:
                options["priority"] = prioridad
        return super().apply_async(args, kwargs, **options)


app = Celery("myproject", task_cls=Tarea)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
