from django.apps import AppConfig


class PagosConfig(AppConfig):
    name = "pagos"
    verbose_name = "Pagos"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy checks
