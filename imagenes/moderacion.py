"""Client of the HTTP content-moderation service (no Django in it).

The contract (see docs/imagenes.md): ``POST <MODERATION_API_URL>`` as
``multipart/form-data`` with one file field ``imagen`` (a JPEG of at most 512 px, no
EXIF), optional ``Authorization: Bearer <token>``; the answer is ``200`` with JSON
``{"seguro": bool, "confianza": float 0..1, "categorias": [str, ...]}``.

Every failure — connection refused, timeout, a non-2xx status, a body that is not
that JSON — is a ``requests.RequestException``, which the Celery task retries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import requests


class RespuestaInvalida(requests.RequestException):
    """The service answered, but not with the JSON the contract promises."""


@dataclass(frozen=True)
class Veredicto:
    seguro: bool
    confianza: float
    categorias: list[str] = field(default_factory=list)


def moderar(
    contenido: bytes,
    *,
    url: str,
    timeout: tuple[float, float] = (3.05, 10.0),
    token: str = "",
    sesion: requests.Session | None = None,
) -> Veredicto:
    """Send ``contenido`` (JPEG bytes) to the service at ``url`` and return its verdict."""
    cabeceras = {"Accept": "application/json"}
    if token:
        cabeceras["Authorization"] = f"Bearer {token}"
    cliente = sesion or requests
    respuesta = cliente.post(
        url,
        files={"imagen": ("imagen.jpg", contenido, "image/jpeg")},
        headers=cabeceras,
        timeout=timeout,
        allow_redirects=False,
    )
    respuesta.raise_for_status()
    try:
        datos = respuesta.json()
    except RecursionError:  # deeply nested arrays: not a RequestException by itself
        raise RespuestaInvalida("La respuesta de moderación está anidada sin fondo.") from None
    return interpretar(datos)


def interpretar(datos: object) -> Veredicto:
    """Check the service's JSON against the contract and return it as a ``Veredicto``."""
    if not isinstance(datos, dict):
        raise RespuestaInvalida("La respuesta de moderación no es un objeto JSON.")
    seguro, confianza, categorias = datos.get("seguro"), datos.get("confianza"), datos.get("categorias", [])
    if not isinstance(seguro, bool):
        raise RespuestaInvalida("La respuesta de moderación no trae 'seguro' booleano.")
    if isinstance(confianza, bool) or not isinstance(confianza, int | float) or not math.isfinite(confianza):
        raise RespuestaInvalida("La respuesta de moderación no trae 'confianza' numérica.")
    if not 0 <= confianza <= 1:
        raise RespuestaInvalida("'confianza' debe estar entre 0 y 1.")
    if not isinstance(categorias, list) or not all(isinstance(c, str) for c in categorias):
        raise RespuestaInvalida("'categorias' debe ser una lista de textos.")
    return Veredicto(seguro=seguro, confianza=float(confianza), categorias=[c[:50] for c in categorias[:20]])
