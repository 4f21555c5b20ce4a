from django.urls import path

from . import views

app_name = "imagenes"

urlpatterns = [
    path("", views.galeria, name="galeria"),
    path("subir/", views.SubirImagenView.as_view(), name="subir"),
    path("<int:imagen_id>/", views.detalle, name="detalle"),
    path("<int:imagen_id>/estado/", views.estado, name="estado"),
    path("<int:imagen_id>/<str:version>.jpg", views.archivo, name="archivo"),
    path("<int:imagen_id>/asignar/", views.asignar_a_producto, name="asignar"),
    path("<int:imagen_id>/eliminar/", views.eliminar, name="eliminar"),
]
