"""Schedule the payment reconciliation on django-celery-beat's DatabaseScheduler (see myproject/beat.py)."""

from django.db import migrations

from myproject.beat import operacion

TAREAS = [
    {
        "name": "Conciliar pagos pendientes",
        "task": "pagos.tasks.conciliar_pagos",
        "interval": {"every": 5, "period": "minutes"},
        # A run that waited longer than its interval is superseded by the next one.
        "expire_seconds": 4 * 60,
        "description": (
            "Cada 5 min: las ventas que siguen esperando su pago se asientan según Stripe "
            "(pagada, rechazada) o expiran, con su stock de vuelta, pasado PAGO_EXPIRA_MINUTOS."
        ),
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("pagos", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [operacion(TAREAS)]
