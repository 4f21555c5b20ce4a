"""Test settings: the project's, plus what only the test suite wants.

cookiecutter-django's ``config/settings/test.py`` habit. pytest.ini names this module,
and the harness hands it to every process it starts (``DJANGO_SETTINGS_MODULE`` in
:func:`pruebas.procesos.entorno_de_proceso`), so the test process, its Celery workers,
Daphne and Flower run with the same settings.
"""

import os

# DEBUG decides other settings (the secret's default, the static files storage), so it
# is set before they are read; the environment may still turn it off.
os.environ.setdefault("DEBUG", "1")

from myproject.settings import *  # noqa: E402, F403
from myproject.settings import DATABASES, INSTALLED_APPS, VAR_DIR  # noqa: E402

# The test support app: every worker finds its no-op probe task (pruebas.tasks.sonda).
INSTALLED_APPS = [*INSTALLED_APPS, "pruebas"]

# PBKDF2 costs most of a second per user on these machines and the suite makes hundreds;
# the processes that check a login (Daphne) hash the same cheap way.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A file, not :memory:, so the worker and Daphne processes share the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# Invoices, uploads and their versions; the plugin empties it when a session starts. A
# process the tests start may get a folder of its own (PRUEBAS_MEDIA_ROOT), e.g. to prove
# that with media on S3 it writes nothing to its local disk.
MEDIA_ROOT = os.environ.get("PRUEBAS_MEDIA_ROOT") or str(VAR_DIR / "test-media")

# The warehouse webhook: the secret every process signs with, and quick, few retries.
WAREHOUSE_WEBHOOK_SECRET = "secreto-almacen-pruebas"
ALMACEN_WEBHOOK_TIMEOUT = 2.0
ALMACEN_WEBHOOK_MAX_INTENTOS = 4
ALMACEN_WEBHOOK_REINTENTO_SEGUNDOS = 0.2
REEMBOLSO_MAX_REINTENTOS = 2
