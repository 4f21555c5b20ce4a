"""Randomly mutated JPEG/PNG/WebP files against the upload form and the worker-side Pillow code.

A seeded RNG makes a few hundred mutations (bit flips, truncations, inserted bytes, a
header spliced from another format). Each must be a clean accept or a clear form error,
never an exception; the processing functions raise only ``ImagenInvalida`` or succeed.
"""

import io
import random
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from imagenes import procesamiento
from imagenes.forms import SubirImagenForm
from imagenes.models import ImagenUsuario

from . import generadores as g

pytestmark = [pytest.mark.faults, pytest.mark.filterwarnings("ignore::UserWarning:PIL")]

SEMILLA = 20261124
POR_FORMATO = 100  # 300 mutations in all


def _pequena(formato: str, **opciones) -> bytes:
    imagen = g.foto(96, 64)
    if formato == "JPEG":
        return g.guardar(imagen, "JPEG", quality=80, exif=g.exif_con_gps(6), icc_profile=g.SRGB)
    if formato == "PNG":
        return g.guardar(imagen.convert("RGBA"), "PNG")
    return g.guardar(imagen, "WEBP", quality=80)


VALIDAS = {formato: _pequena(formato) for formato in ("JPEG", "PNG", "WEBP")}


def _mutar(datos: bytes, rng: random.Random) -> bytes:
    """Return ``datos`` changed in one to three random ways."""
    b = bytearray(datos)
    for _ in range(rng.randint(1, 3)):
        tipo = rng.choice(("bits", "truncar", "insertar", "empalmar", "bytes"))
        if tipo == "bits":
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
        elif tipo == "truncar":
            b = b[: rng.randint(1, max(1, len(b) - 1))]
        elif tipo == "insertar":
            i = rng.randrange(len(b) + 1)
            b[i:i] = rng.randbytes(rng.randint(1, 64))
        elif tipo == "empalmar":
            otra = VALIDAS[rng.choice(list(VALIDAS))]
            corte = rng.randint(2, 64)
            b = bytearray(otra[:corte]) + b[corte:]
        else:  # overwrite a run in the header area, where sizes and chunk lengths live
            i = rng.randrange(min(len(b), 200))
            b[i : i + 4] = rng.choice((b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff", rng.randbytes(4)))
        if not b:
            b = bytearray(b"\x00")
    return bytes(b)


def _mutaciones() -> list[tuple[str, bytes]]:
    rng = random.Random(SEMILLA)
    return [(f, _mutar(datos, rng)) for f, datos in VALIDAS.items() for _ in range(POR_FORMATO)]


MUTACIONES = _mutaciones()


def test_las_imagenes_de_partida_son_validas():
    for datos in VALIDAS.values():
        procesamiento.validar(datos)


def test_el_formulario_acepta_o_rechaza_con_un_error_claro():
    inicio = time.monotonic()
    aceptadas = rechazadas = 0
    for formato, datos in MUTACIONES:
        archivo = SimpleUploadedFile(f"foto.{formato.lower()}", datos, content_type="image/jpeg")
        form = SubirImagenForm({"descripcion": "x"}, {"archivo": archivo})
        if form.is_valid():
            aceptadas += 1
            assert form.info is not None and form.info.formato in procesamiento.FORMATOS
        else:
            rechazadas += 1
            [mensaje] = form.errors["archivo"]
            assert mensaje and "Traceback" not in mensaje
    assert rechazadas > 50, (aceptadas, rechazadas)  # the mutations do break files
    assert time.monotonic() - inicio < 60


def test_el_procesado_solo_lanza_imagen_invalida():
    """And the worker fails what the form let through with a clear reason. ``validar`` reads
    headers only (it must never decode in the request: issue 14), so damage inside the
    compressed data (a flipped bit in a WebP's first partition) shows only when the
    worker decodes; the header facts the form checked never fail there."""
    inicio = time.monotonic()
    for formato, datos in MUTACIONES:
        try:
            procesamiento.validar(datos)
            aceptada = True
        except procesamiento.ImagenInvalida:
            aceptada = False
        for funcion in (procesamiento.leer_metadatos, procesamiento.generar_versiones):
            try:
                resultado = funcion(datos)
            except procesamiento.ImagenInvalida as error:
                assert str(error)
                if aceptada:
                    assert funcion is procesamiento.generar_versiones, f"{formato}: header read failed: {error}"
                    assert "dañado o incompleto" in str(error), error
                continue
            if funcion is procesamiento.generar_versiones:
                for version in resultado.values():
                    assert Image.open(io.BytesIO(version)).format == "JPEG"
    assert time.monotonic() - inicio < 90


@pytest.mark.django_db
def test_la_vista_no_guarda_nada_al_rechazar(cliente, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    rechazadas = 0
    for formato, datos in MUTACIONES[::10]:  # 30 through the whole view
        try:
            procesamiento.validar(datos)
            continue  # accepted files are the view tests' business
        except procesamiento.ImagenInvalida:
            pass
        archivo = SimpleUploadedFile(f"foto.{formato.lower()}", datos)
        respuesta = cliente.post(reverse("imagenes:subir"), {"archivo": archivo, "descripcion": "x"})
        assert respuesta.status_code == 400
        rechazadas += 1
    assert rechazadas
    assert not ImagenUsuario.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.django_db(transaction=True)
def test_mutaciones_en_el_worker_fallan_una_vez_sin_reintentos(celery_worker, httpserver, usuaria):
    """This stores mutations the form rejects raw, as if they had slipped past it: each
    fails once, nothing is retried, the worker goes on."""
    from notificaciones.models import Notificacion
    from pruebas.procesos import LOG_DIR

    from .test_chord import _imagen_cruda, _terminada, moderacion_segura

    moderacion_segura(httpserver)
    rechazadas = []
    for formato, datos in MUTACIONES[5::37]:
        try:
            procesamiento.validar(datos)
        except procesamiento.ImagenInvalida:
            rechazadas.append((formato, datos))
    rechazadas = rechazadas[:4]
    assert len(rechazadas) == 4
    log = LOG_DIR / "worker.log"
    desde = log.stat().st_size

    imagenes = [_imagen_cruda(usuaria, datos, f"original.{formato.lower()}") for formato, datos in rechazadas]
    for imagen in imagenes:
        imagen = _terminada(imagen.pk)
        assert imagen.estado == "fallida" and imagen.error, imagen.estado
    assert Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada").count() == len(imagenes)
    assert len(httpserver.log) == 0  # never sent to moderation
    buena = _terminada(_imagen_cruda(usuaria, VALIDAS["PNG"], "original.png").pk)
    assert buena.estado == "lista"
    with log.open("rb") as archivo:
        archivo.seek(desde)
        nuevo = archivo.read().decode("utf-8", "replace")
    assert "imagenes.tasks.generar_thumbnails" in nuevo
    # (analizar_contenido retries of an earlier test's moderation may still be logging.)
    reintentos = [linea for linea in nuevo.splitlines() if " retry: " in linea and "analizar_contenido" not in linea]
    assert reintentos == []
    assert celery_worker.poll() is None
