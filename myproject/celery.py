"""The Celery app: configured from Django settings (``CELERY_*``), tasks autodiscovered."""

import os

from celery import Celery, Task
from celery.exceptions import Reject
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")


class Tarea(Task):
    """The base of every task of the shop: poison messages are held back, priorities inherited.

    A message whose runs killed their worker ``CELERY_MAX_DELIVERIES`` times in a row
    (out of memory, a crash in Pillow) is not run again: the worker records it as a
    ``deadletter.DeadLetter``, visible and retried in the admin, and drops it. With
    ``acks_late`` and ``reject_on_worker_lost`` the broker would otherwise hand it back
    forever, killing a worker each time and holding up the queue behind it.

    Celery's ``task_inherit_parent_priority`` only fills in a priority nobody set, and
    ``task_default_priority`` gives every task one first, so together the inheritance
    never happens. Here a task sent from inside another, with no priority of its own
    asked for, takes its parent's; sent from anywhere else it keeps the default.
    """

    def __call__(self, *args, **kwargs):
        # A direct or eager call has no message that could come back.
        if self.request.called_directly or self.request.is_eager:
            return super().__call__(*args, **kwargs)
        from deadletter import deliveries, services

        entregas = deliveries.start(self.request.id)
        if entregas is not None and entregas.count > settings.CELERY_MAX_DELIVERIES:
            retenido = services.hold(task=self, args=args, kwargs=kwargs, runs=entregas)
            # Not requeued: Celery records the task as failed, and a chain or chord waiting
            # on it stops here (a chord's error callback runs) instead of going on without it.
            raise Reject(retenido.reason, requeue=False)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            deliveries.end(self.request.id)

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
