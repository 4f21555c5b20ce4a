"""The warehouse staff's group: who may open /almacen/ and move orders."""

from django.db import migrations

GRUPO = "Almacén"


def crear(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GRUPO)


def borrar(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GRUPO).delete()


class Migration(migrations.Migration):
    dependencies = [("almacen", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(crear, borrar)]
