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
from urllib.parse import urljoin

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
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
            self.connection.meta.client.put_object(
                Bucket=self.bucket_name, Key=clave, Body=ReadBytesWrapper(content), IfNoneMatch="*", **parametros
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _NOMBRE_OCUPADO:
                return False
            raise
        return True

    def url(self, name, parameters=None, expire=None, http_method=None):
        """Return our own address of the file (``MEDIA_URL`` + name), never the bucket's."""
        return urljoin(settings.MEDIA_URL, filepath_to_uri(clean_name(name)).lstrip("/"))
