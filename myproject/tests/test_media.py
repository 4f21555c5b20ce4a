"""Where media go (settings from the environment) and the public product-photo view, on the local disk.

The same paths on S3 run end to end in test_media_s3.py.
"""

import json
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from pruebas.procesos import BASE_DIR

S3 = {
    "AWS_STORAGE_BUCKET_NAME": "tienda-media",
    "AWS_S3_ENDPOINT_URL": "http://minio:9000",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "tienda",
    "AWS_SECRET_ACCESS_KEY": "secreto-de-prueba",
}


def _almacenamiento(**env: str) -> subprocess.CompletedProcess:
    """Load the project's settings with ``env`` alone; print the default storage as JSON."""
    codigo = "import json, myproject.settings as s; print(json.dumps(s.STORAGES['default']))"
    return subprocess.run(
        [sys.executable, "-c", codigo],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sin_bucket_los_media_van_al_disco_local():
    resultado = _almacenamiento()
    assert resultado.returncode == 0, resultado.stderr
    assert json.loads(resultado.stdout) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_con_bucket_los_media_van_a_s3_privados():
    resultado = _almacenamiento(**S3)
    assert resultado.returncode == 0, resultado.stderr
    assert json.loads(resultado.stdout) == {
        "BACKEND": "myproject.almacenamiento.AlmacenamientoS3",
        "OPTIONS": {
            "bucket_name": "tienda-media",
            "endpoint_url": "http://minio:9000",
            "region_name": "us-east-1",
            "access_key": "tienda",
            "secret_key": "secreto-de-prueba",
            "addressing_style": "path",
        },
    }
    # AWS itself: no endpoint, boto3's own credentials (an instance role), its own addressing.
    aws = _almacenamiento(AWS_STORAGE_BUCKET_NAME="tienda-media", AWS_S3_REGION_NAME="eu-west-1")
    assert json.loads(aws.stdout)["OPTIONS"] == {
        "bucket_name": "tienda-media",
        "endpoint_url": None,
        "region_name": "eu-west-1",
        "access_key": None,
        "secret_key": None,
        "addressing_style": "auto",
    }


@pytest.mark.parametrize(
    ("env", "mensaje"),
    [
        ({"AWS_S3_ENDPOINT_URL": "http://minio:9000"}, "AWS_STORAGE_BUCKET_NAME is not"),
        ({**S3, "AWS_SECRET_ACCESS_KEY": ""}, "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        ({**S3, "AWS_S3_ENDPOINT_URL": "minio:9000"}, "must be an http(s):// URL"),
    ],
)
def test_una_configuracion_s3_a_medias_no_arranca(env, mensaje):
    resultado = _almacenamiento(**env)
    assert resultado.returncode != 0 and "ImproperlyConfigured" in resultado.stderr
    assert mensaje in resultado.stderr


@pytest.fixture
def foto(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    nombre = default_storage.save("productos/imagen-1.jpg", ContentFile(b"\xff\xd8\xff foto"))
    default_storage.save("imagenes/originales/1/original.jpg", ContentFile(b"\xff\xd8\xff con GPS"))
    default_storage.save("productos/notas.txt", ContentFile(b"texto"))
    return nombre


def test_la_foto_de_un_producto_se_sirve_desde_el_almacenamiento(client, foto):
    respuesta = client.get(default_storage.url(foto))
    assert default_storage.url(foto) == "/media/productos/imagen-1.jpg"
    assert respuesta.status_code == 200 and b"".join(respuesta.streaming_content) == b"\xff\xd8\xff foto"
    assert respuesta["Content-Type"] == "image/jpeg" and respuesta["Cache-Control"] == "public, max-age=86400"
    assert respuesta["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/productos/no-existe.jpg").status_code == 404


@pytest.mark.parametrize(
    "ruta",
    [
        "/media/productos/../imagenes/originales/1/original.jpg",
        "/media/productos/%2e%2e/imagenes/originales/1/original.jpg",
        "/media/productos/..%2fimagenes/originales/1/original.jpg",
        "/media/productos/.%2F..%2Fimagenes/originales/1/original.jpg",
        "/media/productos/..\\imagenes\\originales\\1\\original.jpg",
        "/media/productos//etc/passwd.jpg",
        "/media/productos/notas.txt",
    ],
)
def test_fuera_de_productos_o_sin_ser_imagen_no_se_sirve_nada(client, foto, ruta):
    assert client.get(ruta).status_code == 404
