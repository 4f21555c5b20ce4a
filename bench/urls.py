from django.urls import path

from myproject.urls import urlpatterns as producto

from . import views

urlpatterns = [
    path("bench/piso/<int:producto_id>/", views.piso),
    path("bench/en-linea/<int:producto_id>/", views.en_linea),
    path("bench/comprar-en-el-pool/<int:producto_id>/", views.comprar_fuera_del_hilo),
    *producto,
]
