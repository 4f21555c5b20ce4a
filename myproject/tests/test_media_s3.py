"""Media on S3 (issue 15), end to end against a real local S3 server (moto's, pruebas/s3.py).

One Celery worker and one Daphne of this module's own run with the S3 environment
(``AWS_STORAGE_BUCKET_NAME``, ``AWS_S3_ENDPOINT_URL``, ...) on a broker of their own, so
the session's worker, whose media are local, never takes their tasks. Each also gets an
empty local media folder that must stay empty: with S3 nothing touches the disk.
"""

import io
import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from kombu import Connection
from PIL import Image

from imagenes import services as imagenes
from imagenes.models import VERSIONES, ImagenUsuario
from pruebas.factories import ProductoFactory, UsuarioFactory, VentaFactory
from pruebas.procesos import app_de_celery, cookie_de_sesion, detener, esperar, iniciar_daphne, iniciar_worker
from pruebas.s3 import BucketS3
from ventas.models import Producto, Venta

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A Redis database of the module's own for the S3 processes' tasks (the session's is 0).
BASE_DE_DATOS_DEL_BROKER = 6


def _vaciar(url: str) -> None:
    with Connection(url) as conexion:
        conexion.default_channel.client.flushdb()


@pytest.fixture(scope="module")
def pila_s3(servidor_s3, django_db_setup, django_db_blocker, tmp_path_factory):
    """Start a worker and a Daphne whose media go to a fresh bucket; yield (bucket, base URL, media folder)."""
    bucket = BucketS3.crear(servidor_s3)
    broker = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{BASE_DE_DATOS_DEL_BROKER}"))
    _vaciar(broker)
    media = tmp_path_factory.mktemp("media-local-s3")
    entorno = {
        **bucket.entorno(),
        "CELERY_BROKER_URL": broker,
        "PRUEBAS_MEDIA_ROOT": str(media),
        # No moderation service: every image waits for a person, at once and always the same.
        "MODERATION_API_URL": "",
    }
    with django_db_blocker.unblock():
        worker = iniciar_worker("worker_s3", nodo=f"s3-{os.getpid()}@localhost", **entorno)
        daphne, puerto = iniciar_daphne("daphne_s3", **entorno)
    yield bucket, f"http://127.0.0.1:{puerto}", media, broker
    detener(daphne)
    detener(worker)
    _vaciar(broker)


def _sesion(usuario, base: str) -> requests.Session:
    sesion = requests.Session()
    nombre, valor = cookie_de_sesion(usuario).split("=", 1)
    sesion.cookies.set(nombre, valor)
    sesion.base = base
    return sesion


def _post(sesion: requests.Session, ruta: str, **kwargs) -> requests.Response:
    """POST as a browser does: the CSRF token of a page first (the cookie Django set there)."""
    token = sesion.cookies.get("csrftoken")
    assert token, "GET a page with a form first"
    datos = {"csrfmiddlewaretoken": token, **kwargs.pop("data", {})}
    return sesion.post(sesion.base + ruta, data=datos, allow_redirects=False, timeout=60, **kwargs)


def _jpeg(ancho: int = 1600, alto: int = 1200) -> bytes:
    imagen = Image.new("RGB", (ancho, alto))
    for x in range(0, ancho, 40):
        imagen.paste((x % 256, 90, 200), (x, 0, x + 20, alto))
    salida = io.BytesIO()
    imagen.save(salida, "JPEG", quality=90)
    return salida.getvalue()


def _archivos(carpeta: Path) -> list[str]:
    return sorted(str(ruta.relative_to(carpeta)) for ruta in carpeta.rglob("*") if ruta.is_file())


def _es_privado(bucket: BucketS3, clave: str) -> None:
    assert bucket.concesiones_publicas(clave) == []
    anonimo = requests.get(bucket.url_directa(clave), timeout=10)
    assert anonimo.status_code == 403, (clave, anonimo.status_code)


def test_una_foto_va_al_bucket_con_sus_versiones_y_se_ve_solo_por_nuestras_vistas(pila_s3):
    bucket, base, media, _ = pila_s3
    duena = UsuarioFactory(username="fotografa_s3")
    producto = ProductoFactory(vendedor=duena, nombre="Taza en S3")
    sesion = _sesion(duena, base)
    foto = _jpeg()

    assert TOKEN.search(sesion.get(f"{base}/imagenes/subir/", timeout=30).text)
    subida = _post(sesion, "/imagenes/subir/", data={"descripcion": "taza"}, files={"archivo": ("t.jpg", foto)})
    assert subida.status_code == 302, subida.text[:500]
    imagen_id = int(re.search(r"/imagenes/(\d+)/$", subida.headers["Location"]).group(1))
    imagen = esperar(
        lambda: ImagenUsuario.objects.exclude(estado=ImagenUsuario.Estado.PROCESANDO).filter(pk=imagen_id).first(),
        timeout=90,
        mensaje="the worker to process the image",
    )
    assert (imagen.estado, imagen.error) == (ImagenUsuario.Estado.REVISION, "")

    # The upload (written by Daphne) and its versions (by the worker) are objects in the
    # bucket, private, under the names the rows keep.
    original = imagen.archivo_original.name
    versiones = [imagen.archivo(v).name for v in VERSIONES]
    assert original.startswith(f"imagenes/originales/{duena.pk}/")
    assert versiones == [f"imagenes/procesadas/{imagen_id}/{v}.jpg" for v in VERSIONES]
    assert bucket.claves("imagenes/") == sorted([original, *versiones])
    assert bucket.leer(original) == foto
    for clave in (original, *versiones):
        _es_privado(bucket, clave)

    # They show through our permission-checked view: to their owner, not to another user.
    otra = _sesion(UsuarioFactory(username="curiosa_s3"), base)
    for version in VERSIONES:
        ruta = imagen.url_version(version)
        respuesta = sesion.get(base + ruta, timeout=30)
        assert respuesta.status_code == 200 and respuesta.headers["Content-Type"] == "image/jpeg"
        assert respuesta.content == bucket.leer(imagen.archivo(version).name)
        with Image.open(io.BytesIO(respuesta.content)) as abierta:
            assert max(abierta.size) == {"thumbnail": 150, "medium": 640, "large": 1080}[version]
        assert otra.get(base + ruta, timeout=30).status_code == 404

    # Approved and put on the product (Daphne copies the medium version inside the
    # bucket), the photo shows on the public product page, streamed by us.
    imagenes.revisar(imagen_id=imagen_id, aprobar=True)
    sesion.get(f"{base}/imagenes/{imagen_id}/", timeout=30)
    asignada = _post(sesion, f"/imagenes/{imagen_id}/asignar/", data={"producto": producto.pk})
    assert asignada.status_code == 302 and asignada.headers["Location"] == producto.get_absolute_url()
    nombre = Producto.objects.get(pk=producto.pk).imagen.name
    assert nombre.startswith("productos/") and bucket.leer(nombre) == bucket.leer(versiones[1])
    # The product page shows the upload's 640 px version (its srcset the three), served by
    # our view to anyone once the photo is ready and on a product on sale; the copy in
    # productos/ is the admin's photo field, served publicly under /media/productos/.
    pagina = requests.get(base + producto.get_absolute_url(), timeout=30)
    src = re.search(r'<img class="foto-producto" src="([^"]+)"', pagina.text).group(1)
    publica = requests.get(base + src, timeout=30)
    assert publica.status_code == 200 and publica.content == bucket.leer(versiones[1])
    copia = requests.get(f"{base}/media/{nombre}", timeout=30)
    assert copia.status_code == 200 and copia.content == bucket.leer(nombre)
    assert copia.headers["Cache-Control"] == "public, max-age=86400"
    _es_privado(bucket, nombre)  # public through the shop, not from the bucket

    assert _archivos(media) == []


def test_la_factura_del_worker_es_privada_en_el_bucket_y_solo_la_baja_el_comprador(pila_s3):
    bucket, base, media, broker = pila_s3
    comprador = UsuarioFactory(username="comprador_s3")
    venta = VentaFactory(comprador=comprador)
    app = app_de_celery(broker)
    try:
        app.send_task("ventas.tasks.generar_factura_pdf", args=[venta.pk])
        nombre = esperar(
            lambda: Venta.objects.filter(pk=venta.pk).values_list("factura", flat=True).get(),
            timeout=60,
            mensaje="the worker to store the invoice",
        )
    finally:
        app.close()

    assert nombre == f"facturas/factura-{venta.numero}.pdf"
    assert bucket.claves("facturas/") == [nombre]
    pdf = bucket.leer(nombre)
    assert pdf.startswith(b"%PDF")
    _es_privado(bucket, nombre)

    ruta = f"{base}/ventas/{venta.pk}/factura.pdf"
    descarga = _sesion(comprador, base).get(ruta, timeout=30)
    assert descarga.status_code == 200 and descarga.headers["Content-Type"] == "application/pdf"
    assert descarga.content == pdf
    assert _sesion(UsuarioFactory(username="ajeno_s3"), base).get(ruta, timeout=30).status_code == 404
    sin_sesion = requests.get(ruta, allow_redirects=False, timeout=30)
    assert sin_sesion.status_code == 302 and "/accounts/login/" in sin_sesion.headers["Location"]

    assert _archivos(media) == []


def test_el_almacenamiento_s3_nunca_pisa_un_nombre_y_da_direcciones_nuestras(bucket_s3, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage, storages
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from myproject.almacenamiento import AlmacenamientoS3

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "myproject.almacenamiento.AlmacenamientoS3", "OPTIONS": bucket_s3.opciones()},
    }
    assert type(storages["default"]) is AlmacenamientoS3

    # Two writers of one name (the invoice task run twice) get two objects: the second
    # never replaces the first, so deleting its own copy leaves the first one whole.
    primero = default_storage.save("facturas/factura-X.pdf", ContentFile(b"%PDF primero"))
    segundo = default_storage.save("facturas/factura-X.pdf", ContentFile(b"%PDF segundo"))
    assert primero == "facturas/factura-X.pdf" and re.fullmatch(r"facturas/factura-X_\w{7}\.pdf", segundo)
    default_storage.delete(segundo)
    assert bucket_s3.claves() == [primero] and bucket_s3.leer(primero) == b"%PDF primero"
    with default_storage.open(primero) as archivo:
        assert archivo.read() == b"%PDF primero"
    assert default_storage.url(primero) == "/media/facturas/factura-X.pdf"
    with pytest.raises(FileNotFoundError):
        default_storage.open("facturas/no-existe.pdf")
    _es_privado(bucket_s3, primero)

    # A large upload (Django spooled it to disk) is streamed up whole, with its type.
    grande = TemporaryUploadedFile("foto.jpg", "image/jpeg", 0, None)
    grande.write(os.urandom(6 * 1024 * 1024))
    nombre = default_storage.save("imagenes/originales/1/foto.jpg", grande)
    grande.close()
    cabecera = bucket_s3.cliente.head_object(Bucket=bucket_s3.nombre, Key=nombre)
    assert cabecera["ContentLength"] == 6 * 1024 * 1024 and cabecera["ContentType"] == "image/jpeg"
    assert not default_storage.exists("imagenes/originales/1/otra.jpg")
