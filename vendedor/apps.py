from django.apps import AppConfig


class VendedorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vendedor"
    verbose_name = "Vendedor"
