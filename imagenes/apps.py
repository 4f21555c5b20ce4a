from django.apps import AppConfig


class ImagenesConfig(AppConfig):
    name = "imagenes"
    verbose_name = "Imágenes"
