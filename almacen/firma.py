"""The warehouse webhook's signature: pure helpers, no Django (docs/almacen.md has the recipe)."""

import hashlib
import hmac
import time

CABECERA = "X-MiTienda-Firma"


def firmar(secreto: str, cuerpo: bytes, *, marca: int | None = None) -> str:
    """Return the signature header's value for ``cuerpo``: ``t=<unix time>,v1=<hex HMAC-SHA256>``.

    The HMAC covers ``"<t>." + body``, so a receiver that checks ``t`` refuses a replay.
    """
    marca = int(time.time()) if marca is None else marca
    firma = hmac.new(secreto.encode(), f"{marca}.".encode() + cuerpo, hashlib.sha256).hexdigest()
    return f"t={marca},v1={firma}"


def verificar(secreto: str, cuerpo: bytes, cabecera: str, *, tolerancia: int = 300) -> bool:
    """Return whether ``cabecera`` signs ``cuerpo`` with ``secreto`` within ``tolerancia`` seconds of now."""
    partes = dict(parte.split("=", 1) for parte in cabecera.split(",") if "=" in parte)
    try:
        marca = int(partes["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - marca) > tolerancia:
        return False
    esperada = hmac.new(secreto.encode(), f"{marca}.".encode() + cuerpo, hashlib.sha256).hexdigest()
    return hmac.compare_digest(esperada, partes.get("v1", ""))
