"""Human review in the admin: what moderation could not decide, a person approves or rejects."""

from django.core.files.uploadedfile import SimpleUploadedFile

from imagenes import services
from imagenes.models import ImagenUsuario
from notificaciones.models import Notificacion

from . import generadores as g


def test_el_admin_aprueba_o_rechaza_lo_que_quedo_en_revision(admin_client, usuaria, settings):
    settings.MODERATION_API_URL = ""
    imagenes = []
    for _ in range(2):
        imagen = services.crear_imagen(
            usuario=usuaria,
            archivo=SimpleUploadedFile("f.jpg", g.jpeg_con_gps(600, 400)),
            descripcion="",
            formato="JPEG",
        )
        services.generar_thumbnails(imagen_id=imagen.pk)
        services.analizar_contenido(imagen_id=imagen.pk)
        assert services.finalizar_procesamiento(imagen_id=imagen.pk) == "revision"
        imagenes.append(imagen)

    url = "/admin/imagenes/imagenusuario/"
    assert "En revisión" in admin_client.get(url + "?estado__exact=revision").content.decode()
    admin_client.post(url, {"action": "aprobar", "_selected_action": [imagenes[0].pk]})
    admin_client.post(url, {"action": "rechazar", "_selected_action": [imagenes[1].pk]})

    estados = dict(ImagenUsuario.objects.values_list("pk", "estado"))
    assert estados == {imagenes[0].pk: "lista", imagenes[1].pk: "rechazada"}
    avisos = Notificacion.objects.filter(usuario=usuaria).order_by("pk")
    assert [a.datos["estado"] for a in avisos] == ["revision", "revision", "lista", "rechazada"]
