from django.apps import AppConfig


class VentasConfig(AppConfig):
    name = "ventas"
    verbose_name = "Ventas"
