"""Start Flower behind HTTP basic auth: ``python -m myproject.flower [flower options]``.

``FLOWER_BASIC_AUTH`` ("user:password", several separated by commas) is required when
``DEBUG=0``: without it this exits at once with a message instead of serving the task
dashboard to anyone. In development a random one is generated and printed. The
credentials reach Flower through its environment (it reads ``FLOWER_*`` variables), so
they never show on a command line in ``ps``.
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


def main(argv: list[str] | None = None) -> None:
    """Check the credentials, then replace this process with ``celery -A myproject flower``."""
    env = environ.Env()
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    os.environ["FLOWER_BASIC_AUTH"] = credenciales(
        os.environ.get("FLOWER_BASIC_AUTH", ""), debug=env.bool("DEBUG", default=False)
    )
    argumentos = sys.argv[1:] if argv is None else argv
    os.execv(sys.executable, [sys.executable, "-m", "celery", "-A", "myproject", "flower", *argumentos])


if __name__ == "__main__":
    main()
