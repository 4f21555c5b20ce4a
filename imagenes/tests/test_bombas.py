"""Decompression bombs and upload floods against a real Daphne (issue 14).

A 28-byte lossless WebP that declares 6320×6320 pixels, the same picture as Pillow
encodes it (1.6 KB), and a 156 KB PNG of 6000×6000 used to be decoded inside the
upload request: about 600 MB and 300 MB of Daphne's memory and most of a second of
CPU each, on the one thread that runs every synchronous view, so the catalog waited
behind them. The request now reads headers only and refuses them at once; the worker
decodes only what its memory budget allows (``test_bombas_worker``).
"""

import re
import statistics
import threading
import time

import pytest
import redis
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from imagenes.models import ImagenUsuario
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.procesos import cookie_de_sesion, detener, iniciar_daphne

from . import generadores as g

# What the attack may cost Daphne: its resident memory may grow this much over the
# whole attack (it grew by 600 MB per WebP before), and a catalog page asked for
# meanwhile may take at most this factor of the same page's median time before the
# attack, plus this slack for a loaded machine (it waited seconds before).
MAX_CRECIMIENTO_RSS_MB = 60
FACTOR_CATALOGO = 3
HOLGURA_CATALOGO_S = 0.5
SUBIDAS_A_LA_VEZ = 6
RONDAS = 2


@pytest.fixture(scope="module")
def bombas() -> dict[str, bytes]:
    datos = {"webp-28-bytes": g.bomba_webp(), "webp-pillow": g.bomba_webp_pillow(), "png-156-kb": g.bomba_png_rgb()}
    assert len(datos["webp-28-bytes"]) < 40 and len(datos["webp-pillow"]) < 2000
    assert 150_000 < len(datos["png-156-kb"]) < 160_000
    return datos


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as estado:
        for linea in estado:
            if linea.startswith("VmRSS:"):
                return int(linea.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def sesion_con(cookie: str, base: str) -> tuple[requests.Session, str]:
    """Return a session carrying the login cookie, and the CSRF token of the upload form."""
    sesion = requests.Session()
    nombre, valor = cookie.split("=", 1)
    sesion.cookies.set(nombre, valor)
    pagina = sesion.get(f"{base}/imagenes/subir/", timeout=30)
    assert pagina.status_code == 200, pagina.status_code
    return sesion, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina.text).group(1)


def subir(sesion: requests.Session, token: str, base: str, nombre: str, datos: bytes) -> requests.Response:
    return sesion.post(
        f"{base}/imagenes/subir/",
        data={"descripcion": "bomba", "csrfmiddlewaretoken": token},
        files={"archivo": (nombre, datos, "image/webp" if "webp" in nombre else "image/png")},
        allow_redirects=False,
        timeout=120,
    )


def tiempo_de_catalogo(base: str) -> float:
    inicio = time.monotonic()
    respuesta = requests.get(f"{base}/", timeout=60)
    assert respuesta.status_code == 200
    return time.monotonic() - inicio


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_las_bombas_se_rechazan_sin_inflar_daphne_ni_frenar_el_catalogo(bombas):
    usuaria = UsuarioFactory(username="atacante_bombas")
    ProductoFactory.create_batch(5)
    cookie = cookie_de_sesion(usuaria)
    proceso, puerto = iniciar_daphne("daphne_bombas", IMAGENES_SUBIDAS_POR_MINUTO="1000")
    base = f"http://127.0.0.1:{puerto}"
    try:
        sesiones = [sesion_con(cookie, base) for _ in range(SUBIDAS_A_LA_VEZ)]
        # Warm up what a first request loads (URLconf, templates, Pillow's plugins).
        assert subir(*sesiones[0], base, "rota.jpg", g.jpeg_truncado()).status_code == 400
        base_catalogo = statistics.median(tiempo_de_catalogo(base) for _ in range(5))
        rss_inicial = rss_mb(proceso.pid)

        picos: list[float] = []
        respuestas: list[tuple[str, int, str]] = []
        fin = threading.Event()

        def medir_memoria():
            while not fin.is_set():
                picos.append(rss_mb(proceso.pid))
                time.sleep(0.01)

        def atacar(indice: int):
            nombre = list(bombas)[indice % len(bombas)]
            sesion, token = sesiones[indice]
            for _ in range(RONDAS):
                respuesta = subir(sesion, token, base, f"{nombre}.{nombre.split('-')[0]}", bombas[nombre])
                respuestas.append((nombre, respuesta.status_code, respuesta.text))

        medidor = threading.Thread(target=medir_memoria)
        atacantes = [threading.Thread(target=atacar, args=(i,)) for i in range(SUBIDAS_A_LA_VEZ)]
        medidor.start()
        for hilo in atacantes:
            hilo.start()
        catalogo = []
        while any(hilo.is_alive() for hilo in atacantes) or not catalogo:
            catalogo.append(tiempo_de_catalogo(base))
        for hilo in atacantes:
            hilo.join()
        fin.set()
        medidor.join()
    finally:
        detener(proceso)

    crecimiento = max(picos) - rss_inicial
    limite_catalogo = FACTOR_CATALOGO * base_catalogo + HOLGURA_CATALOGO_S
    resumen = (
        f"Daphne RSS {rss_inicial:.0f} MB → peak {max(picos):.0f} MB (+{crecimiento:.0f}); "
        f"GET / median {base_catalogo * 1000:.0f} ms before, during the attack max {max(catalogo) * 1000:.0f} ms "
        f"over {len(catalogo)} requests; answers {[(n, s) for n, s, _ in respuestas]}"
    )
    print(resumen)
    assert len(respuestas) == SUBIDAS_A_LA_VEZ * RONDAS
    for nombre, estado, pagina in respuestas:
        assert estado == 400, f"{nombre}: {estado}; {resumen}"
        assert "no parece una foto" in pagina, nombre
    assert not ImagenUsuario.objects.exists()
    assert crecimiento < MAX_CRECIMIENTO_RSS_MB, resumen
    assert max(catalogo) < limite_catalogo, resumen


@pytest.mark.django_db
def test_las_subidas_de_mas_reciben_429_con_un_aviso_claro(client, settings):
    settings.IMAGENES_SUBIDAS_POR_MINUTO = 3
    # Counters of earlier tests whose users had the same id (a rolled-back database reuses ids).
    with redis.Redis.from_url(settings.REDIS_URL) as cliente_redis:
        for clave in cliente_redis.scan_iter("cache:*:rl:*"):
            cliente_redis.delete(clave)
    usuaria, otra = UsuarioFactory(username="subidora"), UsuarioFactory(username="otra_subidora")
    client.force_login(usuaria)

    def intento(cliente):
        archivo = SimpleUploadedFile("rota.jpg", g.jpeg_truncado(), content_type="image/jpeg")
        return cliente.post("/imagenes/subir/", {"archivo": archivo, "descripcion": "x"})

    assert [intento(client).status_code for _ in range(3)] == [400, 400, 400]  # refused ones count too
    respuesta = intento(client)
    assert respuesta.status_code == 429
    assert 1 <= int(respuesta["Retry-After"]) <= 60
    pagina = respuesta.content.decode()
    assert "Subiste demasiadas imágenes seguidas" in pagina and "el máximo es 3 por minuto" in pagina
    assert 'role="alert"' in pagina  # shown on the upload page, with the form to try again
    assert 'name="archivo"' in pagina

    client.force_login(otra)  # the limit is per user
    assert intento(client).status_code == 400


def memoria_kb(pid: int, campo: str) -> int:
    with open(f"/proc/{pid}/status") as estado:
        for linea in estado:
            if linea.startswith(f"{campo}:"):
                return int(linea.split()[1])
    raise AssertionError(f"no {campo} for pid {pid}")


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_el_worker_solo_decodifica_lo_que_cabe_en_su_presupuesto(bombas, broker_redis_aparte, httpserver):
    """Stored raw, as if they had slipped past the form, the bombs reach a worker of their
    own (one child, its own broker): the WebP's 40 MP would take ~720 MB to decode, over
    the 512 MB budget, so it fails without a pixel decoded; the PNG's estimate fits, and
    the child's peak memory stays below that estimate."""
    from django.conf import settings
    from django.core.files.base import ContentFile
    from PIL import Image

    from imagenes import procesamiento
    from pruebas.procesos import app_de_celery, esperar, iniciar_worker

    from .test_chord import moderacion_segura

    moderacion_segura(httpserver)
    usuaria = UsuarioFactory(username="bombas_en_el_worker")
    worker = iniciar_worker(
        "worker_bombas", colas="celery,procesamiento_pesado", concurrencia=1, CELERY_BROKER_URL=broker_redis_aparte
    )
    app = app_de_celery(broker_redis_aparte)

    def procesar(datos: bytes, nombre: str) -> ImagenUsuario:
        imagen = ImagenUsuario(usuario=usuaria)
        imagen.archivo_original.save(nombre, ContentFile(datos))  # committed, nothing dispatched
        app.send_task("imagenes.tasks.procesar_imagen_subida", args=[imagen.pk])
        return esperar(
            lambda: ImagenUsuario.objects.exclude(estado="procesando").filter(pk=imagen.pk).first(),
            timeout=120,
            mensaje=f"image {imagen.pk} to finish",
        )

    try:
        [hijo] = open(f"/proc/{worker.pid}/task/{worker.pid}/children").read().split()
        hijo = int(hijo)
        assert procesar(g.png_paleta(), "calentar.png").estado == "lista"  # imports, connections
        residente = memoria_kb(hijo, "VmRSS")

        webp = procesar(bombas["webp-28-bytes"], "bomba.webp")
        pico_webp = memoria_kb(hijo, "VmHWM") - residente
        png = procesar(bombas["png-156-kb"], "bomba.png")
        pico_png = memoria_kb(hijo, "VmHWM") - residente
    finally:
        app.close()
        detener(worker)

    with Image.open(png.archivo_original.path) as abierta:
        estimada_png = procesamiento.memoria_estimada(abierta, abierta.size)
    presupuesto = settings.IMAGENES_MAX_MEMORIA_MB * 1024 * 1024
    print(
        f"worker child peak over its resident {residente // 1024} MB: WebP +{pico_webp // 1024} MB, "
        f"PNG +{pico_png // 1024} MB (estimated {estimada_png // 2**20} MB, budget {presupuesto // 2**20} MB)"
    )
    assert webp.estado == "fallida" and "demasiado grande para procesarla" in webp.error, webp.error
    assert pico_webp < 50 * 1024, pico_webp  # not decoded: ~600 MB if it were
    assert png.estado == "lista", png.error
    assert estimada_png <= presupuesto
    assert pico_png * 1024 <= estimada_png, (pico_png, estimada_png)
