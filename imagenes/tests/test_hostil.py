"""Hostile HTTP input on the image forms: fuzzed uploads and product assignments.

Whatever arrives, the answer is a redirect or a clear 4xx, never a 500. A refused upload
writes no row and no file; an accepted one writes exactly one row, owned by the uploader,
and one original stored under ``imagenes/`` with a name of our making. An assignment
changes a product's photo only for the uploader's own product and a ready image.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from imagenes.models import ImagenUsuario
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.plugin import ajustes_de_fuzz
from ventas.models import Producto

from .test_views import archivos_guardados

pytestmark = pytest.mark.django_db

FUZZ = ajustes_de_fuzz(120)


def _imagen(formato: str) -> bytes:
    salida = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(salida, formato)
    return salida.getvalue()


VALIDAS = [_imagen("JPEG"), _imagen("PNG"), _imagen("WEBP")]
TEXTOS = st.one_of(
    st.sampled_from(
        ["", " ", "\x00", "a\x00b", "<script>alert(1)</script>", "'; DROP TABLE imagenes_imagenusuario;--", "é" * 301]
    ),
    st.text(max_size=320),
)
NOMBRES = st.one_of(
    st.sampled_from(
        ["foto.jpg", "../../etc/passwd", "..\\..\\x.png", "/abs/foto.webp", "a" * 300 + ".jpg", ".jpg", "x.php"]
    ),
    st.text(min_size=1, max_size=60),
)
CONTENIDOS = st.one_of(
    st.sampled_from(VALIDAS),
    st.binary(max_size=2048),
    # A valid image with junk around it.
    st.tuples(st.binary(max_size=64), st.sampled_from(VALIDAS), st.binary(max_size=64)).map(lambda t: b"".join(t)),
)
ARCHIVOS = st.builds(
    lambda nombre, datos, tipo: (nombre, datos, tipo),
    NOMBRES,
    CONTENIDOS,
    st.one_of(st.sampled_from(["image/jpeg", "image/png", "text/html", "application/x-php", ""]), st.text(max_size=30)),
)
SUBIDAS = st.fixed_dictionaries(
    {},
    optional={
        "archivo": st.lists(ARCHIVOS, min_size=1, max_size=2),
        "descripcion": st.one_of(TEXTOS, st.lists(TEXTOS, min_size=2, max_size=3)),
        "archivo_original": TEXTOS,  # a field the form does not have
    },
)


def _nombre_seguro(nombre: str) -> str:
    """What the test client can send as a file name (it sends the base name, in a header)."""
    limpio = "".join(c for c in nombre if c.isprintable() and c not in '"\r\n')
    return limpio if os.path.basename(limpio) not in {"", ".", ".."} else "x"


def _como_post(datos: dict) -> dict:
    post = {}
    for clave, valor in datos.items():
        if clave == "archivo":
            post[clave] = [SimpleUploadedFile(_nombre_seguro(n), dato, content_type=t) for n, dato, t in valor]
        else:
            post[clave] = valor
    return post


@FUZZ
@given(datos=SUBIDAS)
def test_subidas_al_azar_nunca_dan_500_ni_dejan_restos(cliente, usuaria, datos):
    filas_antes = ImagenUsuario.objects.count()
    archivos_antes = set(archivos_guardados())

    respuesta = cliente.post("/imagenes/subir/", _como_post(datos))  # a 500 would raise here

    nuevos = set(archivos_guardados()) - archivos_antes
    if respuesta.status_code == 302:
        [imagen] = ImagenUsuario.objects.order_by("-pk")[:1]
        assert ImagenUsuario.objects.count() == filas_antes + 1
        assert respuesta["Location"] == imagen.get_absolute_url()
        assert imagen.usuario == usuaria and imagen.estado == ImagenUsuario.Estado.PROCESANDO
        assert "\x00" not in imagen.descripcion and len(imagen.descripcion) <= 300
        original = Path(settings.MEDIA_ROOT, imagen.archivo_original.name).resolve()
        assert nuevos == {original}
        # A name of our making (a random id and the format's extension) in the uploader's folder.
        assert original.parent == Path(settings.MEDIA_ROOT, "imagenes", "originales", str(usuaria.pk)).resolve()
        assert re.fullmatch(r"[0-9a-f]{32}\.(jpg|png|webp)", original.name), original.name
    else:
        assert respuesta.status_code == 400, respuesta.status_code
        assert respuesta.context["form"].errors
        assert ImagenUsuario.objects.count() == filas_antes
        assert not nuevos, nuevos


IDS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    TEXTOS,
    st.lists(st.integers(min_value=0, max_value=10**6).map(str), min_size=2, max_size=3),
)


@pytest.fixture
def escena(usuaria, imagen_lista):
    """The uploader's ready image and product, another seller's product, another user's image."""
    propia = imagen_lista(usuaria)
    mio = ProductoFactory(vendedor=usuaria, nombre="Mío")
    ajeno = ProductoFactory(vendedor=UsuarioFactory(), nombre="Ajeno")
    de_otro = imagen_lista(UsuarioFactory())
    return propia, mio, ajeno, de_otro


@FUZZ
@given(producto=IDS, cual=st.sampled_from(["propia", "de_otro", "inexistente"]), usar_ids_reales=st.booleans())
def test_asignaciones_al_azar_solo_cambian_un_producto_propio(cliente, escena, producto, cual, usar_ids_reales):
    propia, mio, ajeno, de_otro = escena
    if usar_ids_reales:
        producto = str(mio.pk if len(producto) % 2 else ajeno.pk)
    imagen_id = {"propia": propia.pk, "de_otro": de_otro.pk, "inexistente": 10**9}[cual]
    Producto.objects.filter(pk__in=[mio.pk, ajeno.pk]).update(imagen="")

    respuesta = cliente.post(f"/imagenes/{imagen_id}/asignar/", {"producto": producto})

    mio.refresh_from_db()
    ajeno.refresh_from_db()
    assert not ajeno.imagen, "another seller's product changed"
    if cual != "propia":
        assert respuesta.status_code == 404 and not mio.imagen
    elif (producto[-1] if isinstance(producto, list) else producto) == str(mio.pk):  # a form reads the last value
        assert (respuesta.status_code, respuesta["Location"]) == (302, mio.get_absolute_url())
        assert mio.imagen.name.startswith("productos/") and mio.imagen.storage.exists(mio.imagen.name)
    else:
        assert (respuesta.status_code, respuesta["Location"]) == (302, propia.get_absolute_url())
        assert not mio.imagen
