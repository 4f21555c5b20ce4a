"""Remove the sweeper's schedule: the outbox relay (outbox/0002_relay_periodico) does its work, for every task."""

import importlib

from django.db import migrations

from myproject.beat import retirar

# As 0004 created it, to put it back if this migration is unapplied.
TAREAS = importlib.import_module("ventas.migrations.0004_reenvio_periodico").TAREAS


class Migration(migrations.Migration):
    dependencies = [
        ("ventas", "0004_reenvio_periodico"),
        ("outbox", "0002_relay_periodico"),
    ]

    operations = [retirar(TAREAS)]
