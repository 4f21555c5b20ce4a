"""Media on an S3-compatible bucket (AWS S3, MinIO), when ``AWS_STORAGE_BUCKET_NAME`` is set.

Every media file goes to the bucket: uploaded originals, their versions, product photos,
invoices. Nothing in it is public: objects are written without an ACL, so they stay
readable by the bucket's owner only, and the browser never gets a bucket URL. Each file
is served by one of our views, which checks who asks and streams it from the storage
(docs/escalar.md, "Media en S3", says why not presigned URLs). So :meth:`url` returns our
own ``MEDIA_URL`` address, as the filesystem storage does.

Names behave as on the local disk: a save never replaces an existing object. The
filesystem storage gets that from ``O_EXCL``; here every write is a conditional PUT
(``If-None-Match: *``), and a name already taken gets the usual random suffix. The
invoice's "first writer wins, a duplicate run deletes its own copy"
(``ventas.services.postventa``) relies on it: with django-storages' default (overwrite),
a duplicate run would overwrite the winner's object and then delete it.
"""

import posixpath
import tempfile
from urllib.parse import urljoin

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import ReadBytesWrapper, clean_name, get_available_overwrite_name, is_seekable

# What S3 answers a conditional PUT whose name is taken (412), or raced by another
# conditional write still in flight (409, AWS).
_NOMBRE_OCUPADO = {"PreconditionFailed", "ConditionalRequestConflict"}
# Django's own bound on finding a free name (Storage.get_available_name loops the same way).
MAX_INTENTOS_DE_NOMBRE = 100


class AlmacenamientoS3(S3Storage):
    """django-storages' S3 backend, private and never overwriting."""

    # No ACL on write: the object gets the bucket's default, private to its owner (buckets
    # with ACLs disabled, the AWS default since 2023, refuse any other ACL anyway).
    default_acl = None
    file_overwrite = False
    # Were a bucket URL ever built (nothing here does), it would be a signed one.
    querystring_auth = True

    @property
    def cliente(self):
        """Return the boto3 client of the bucket: one per storage, shared by every thread.

        django-storages' ``connection`` is one per thread, and under ASGI Django runs each
        request's synchronous code in a thread of its own: a client per thread meant a new
        boto3 session, its models loaded from JSON, on every request (measured in
        docs/escalar.md). boto3 clients are thread-safe; the bucket resource, like this
        client, lives as long as the storage.
        """
        return self.bucket.meta.client

    def exists(self, name):
        try:
            self.cliente.head_object(Bucket=self.bucket_name, Key=self._normalize_name(clean_name(name)))
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise
        return True

    def get_available_name(self, name, max_length=None):
        """Return ``name`` (truncated to ``max_length``) without asking the bucket.

        A HEAD per save would only guess: the conditional PUT in :meth:`_save` is what
        finds a name taken, and then picks another.
        """
        return get_available_overwrite_name(clean_name(name), max_length)

    def _save(self, name, content):
        nombre = clean_name(name)
        for _ in range(MAX_INTENTOS_DE_NOMBRE):
            if self._crear(nombre, content):
                return nombre
            carpeta, archivo = posixpath.split(nombre)
            nombre = posixpath.join(carpeta, self.get_alternative_name(*posixpath.splitext(archivo)))
        raise SuspiciousFileOperation(f"No free name for {name!r} after {MAX_INTENTOS_DE_NOMBRE} tries.")

    def _crear(self, nombre: str, content) -> bool:
        """Write ``content`` under ``nombre`` unless an object has that name; return whether it did."""
        clave = self._normalize_name(nombre)
        parametros = self._get_write_parameters(clave, content)
        if is_seekable(content):
            content.seek(0)
        try:
            # One PUT, streamed from the file (the largest upload, IMAGENES_MAX_BYTES, is far
            # below S3's 5 GB for one): upload_fileobj's multipart transfer cannot carry
            # the condition. The wrapper hides Django's File.__len__, its declared size
            # (botocore would trust it), and turns str content into bytes.
            self.cliente.put_object(
                Bucket=self.bucket_name, Key=clave, Body=ReadBytesWrapper(content), IfNoneMatch="*", **parametros
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _NOMBRE_OCUPADO:
                return False
            raise
        return True

    def _open(self, name, mode="rb"):
        """Read the object with one GET (S3File makes a HEAD, another HEAD and the GET).

        The body lands in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and in a temporary
        file past that, so a 20 MB original does not sit whole in a worker's memory.
        Writing ("wb") stays django-storages' S3File.
        """
        if mode != "rb":
            return super()._open(name, mode)
        clave = self._normalize_name(clean_name(name))
        try:
            respuesta = self.cliente.get_object(Bucket=self.bucket_name, Key=clave)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(f"No such file: {name}") from None
            raise
        copia = tempfile.SpooledTemporaryFile(
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        cuerpo = respuesta["Body"]
        try:
            for trozo in cuerpo.iter_chunks(64 * 1024):
                copia.write(trozo)
        finally:
            cuerpo.close()
        copia.seek(0)
        return File(copia, name=clean_name(name))

    def url(self, name, parameters=None, expire=None, http_method=None):
        """Return our own address of the file (``MEDIA_URL`` + name), never the bucket's."""
        return urljoin(settings.MEDIA_URL, filepath_to_uri(clean_name(name)).lstrip("/"))
