"""Start Flower behind HTTP basic auth: ``python -m myproject.flower [flower options]``.

``FLOWER_BASIC_AUTH`` ("user:password", several separated by commas) is required when
``DEBUG=0``: without it this exits at once with a message instead of serving the task
dashboard to anyone. In development a random one is generated and printed. The
credentials reach Flower through its environment (it reads ``FLOWER_*`` variables), so
they never show on a command line in ``ps``.

Flower 2.2 asks for them everywhere but ``/metrics`` and ``/healthcheck`` (task names
and counts there tell how many sales the shop makes), and lets any site frame its
pages. :func:`asegurar_flower` closes both before Flower starts, in this process.
"""

import os
import secrets
import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent


def credenciales(valor: str, *, debug: bool) -> str:
    """Return the basic-auth setting to use, or raise SystemExit with the reason."""
    valor = valor.strip()
    if not valor:
        if not debug:
            raise SystemExit(
                "Flower: FLOWER_BASIC_AUTH is required in production (DEBUG=0). "
                'Set it to "user:password" (several separated by commas).'
            )
        valor = f"ops:{secrets.token_urlsafe(12)}"
        print(f"Flower: FLOWER_BASIC_AUTH not set; using the generated {valor}", flush=True)
    for par in valor.split(","):
        usuario, _, clave = par.partition(":")
        if not usuario or not clave:
            raise SystemExit('Flower: FLOWER_BASIC_AUTH must be "user:password" (several separated by commas).')
    return valor


def asegurar_flower() -> None:
    """Require the basic auth on ``/metrics`` and ``/healthcheck`` too; forbid framing any page.

    Their handlers are the only ones Flower leaves without ``@authenticated``; with basic
    auth on, Flower's ``get_current_user`` answers 401 to missing or wrong credentials.
    """
    from flower.views import BaseHandler, monitor
    from tornado import web

    for manejador in (monitor.Metrics, monitor.Healthcheck):
        if not hasattr(manejador.get, "__wrapped__"):
            manejador.get = web.authenticated(manejador.get)

    cabeceras_de_flower = BaseHandler.set_default_headers

    def set_default_headers(self):
        cabeceras_de_flower(self)
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Content-Security-Policy", "frame-ancestors 'none'")

    BaseHandler.set_default_headers = set_default_headers


def main(argv: list[str] | None = None) -> None:
    """Check the credentials, secure Flower, then run ``celery -A myproject flower`` here."""
    env = environ.Env()
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    os.environ["FLOWER_BASIC_AUTH"] = credenciales(
        os.environ.get("FLOWER_BASIC_AUTH", ""), debug=env.bool("DEBUG", default=False)
    )
    argumentos = sys.argv[1:] if argv is None else argv
    asegurar_flower()
    from celery.bin.celery import main as celery

    sys.argv = ["celery", "-A", "myproject", "flower", *argumentos]
    celery()


if __name__ == "__main__":
    main()
