from django.apps import AppConfig


class ProyectoConfig(AppConfig):
    """The project package as an app, so its system checks are registered."""

    name = "myproject"
    verbose_name = "Mi Tienda"

    def ready(self):
        from . import checks  # noqa: F401 - registers them
