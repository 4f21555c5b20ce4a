"""A real local S3 server for the media-on-S3 tests: moto's standalone server, in its own process.

:func:`servidor_s3` (session fixture, loaded by the plugin) starts ``moto.server`` on a
free port once; :func:`bucket_s3` gives each test an empty bucket of its own and the
environment that points a process (a Celery worker, Daphne) at it, the way production
sets it (``AWS_STORAGE_BUCKET_NAME``, ``AWS_S3_ENDPOINT_URL``, ...). moto checks
signatures loosely but, like S3, refuses an anonymous read of a private object.
"""

import subprocess
import sys
import uuid
from dataclasses import dataclass

import pytest
import requests

from .procesos import SESION, detener, esperar, puerto_libre

REGION = "us-east-1"
CLAVE, SECRETO = "mitienda-pruebas", "mitienda-pruebas-secreto"


def _cliente(url: str):
    import boto3

    return boto3.client(
        "s3", endpoint_url=url, region_name=REGION, aws_access_key_id=CLAVE, aws_secret_access_key=SECRETO
    )


@dataclass
class BucketS3:
    """A bucket on the local S3 server, and what a test needs to point processes at it and look inside."""

    url_servidor: str
    nombre: str

    @classmethod
    def crear(cls, url_servidor: str) -> "BucketS3":
        """Create an empty bucket with a fresh name; private, as S3 makes every new bucket."""
        bucket = cls(url_servidor, f"mitienda-{uuid.uuid4().hex[:12]}")
        bucket.cliente.create_bucket(Bucket=bucket.nombre)
        return bucket

    @property
    def cliente(self):
        return _cliente(self.url_servidor)

    def entorno(self) -> dict[str, str]:
        """Return the environment that sends a process's media to this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.nombre,
            "AWS_S3_ENDPOINT_URL": self.url_servidor,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": CLAVE,
            "AWS_SECRET_ACCESS_KEY": SECRETO,
        }

    def opciones(self) -> dict:
        """Return the storage OPTIONS that myproject/settings.py builds from :meth:`entorno`."""
        return {
            "bucket_name": self.nombre,
            "endpoint_url": self.url_servidor,
            "region_name": REGION,
            "access_key": CLAVE,
            "secret_key": SECRETO,
            "addressing_style": "path",
        }

    def claves(self, prefijo: str = "") -> list[str]:
        """Return the names of the objects in the bucket (under ``prefijo``), sorted."""
        paginas = self.cliente.get_paginator("list_objects_v2").paginate(Bucket=self.nombre, Prefix=prefijo)
        return sorted(objeto["Key"] for pagina in paginas for objeto in pagina.get("Contents", ()))

    def leer(self, clave: str) -> bytes:
        return self.cliente.get_object(Bucket=self.nombre, Key=clave)["Body"].read()

    def url_directa(self, clave: str) -> str:
        """Return the object's plain (unsigned) bucket URL, as anyone on the network could try it."""
        return f"{self.url_servidor}/{self.nombre}/{clave}"

    def concesiones_publicas(self, clave: str) -> list[dict]:
        """Return the object's ACL grants to everyone or to any authenticated AWS user."""
        publicos = {
            "http://acs.amazonaws.com/groups/global/AllUsers",
            "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
        }
        concesiones = self.cliente.get_object_acl(Bucket=self.nombre, Key=clave)["Grants"]
        return [c for c in concesiones if c["Grantee"].get("URI") in publicos]


def _responde(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code < 600
    except requests.RequestException:
        return False


def lanzar_servidor_s3(
    procesos=SESION, *, host: str = "127.0.0.1", puerto: int | None = None, prefijo: list[str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start moto's S3 server on ``host``:``puerto`` (a free port by default) and wait until it answers;
    return the process and its URL. ``prefijo`` (e.g. ``ip netns exec <ns>``) runs it on another host."""
    puerto = puerto or puerto_libre()
    comando = [*(prefijo or []), sys.executable, "-m", "moto.server", "-H", host, "-p", str(puerto)]
    proceso = procesos.lanzar("s3", comando)
    url = f"http://{host}:{puerto}"
    esperar(lambda: _responde(url), timeout=60, mensaje=f"the S3 server on {host}:{puerto}", proceso=proceso)
    return proceso, url


@pytest.fixture(scope="session")
def servidor_s3() -> str:
    """Start moto's S3 server on a free port for the session; return its URL."""
    proceso, url = lanzar_servidor_s3()
    yield url
    detener(proceso)


@pytest.fixture
def bucket_s3(servidor_s3) -> BucketS3:
    """An empty, private bucket of the test's own on the local S3 server."""
    return BucketS3.crear(servidor_s3)
