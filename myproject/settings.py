"""Mi Tienda settings: one file, every deploy-time knob read from the environment.

``DEBUG`` is off unless set (``make run`` and ``make test`` set ``DEBUG=1``). With it on,
the defaults suit a laptop (SQLite, Redis on localhost, mail written to files); with it
off (production) the secrets have no default and must be set.
"""

import math
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from myproject.localstripe_server import (
    LOCALSTRIPE_CLAVE_PUBLICA,
    LOCALSTRIPE_CLAVE_SECRETA,
    LOCALSTRIPE_SECRETO_WEBHOOK,
    LOCALSTRIPE_URL,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# General
# ------------------------------------------------------------------------------
# Off unless asked for: a bad Host header or any error would otherwise show the debug
# page, with every setting, to anyone. `make run` and `make test` turn it on.
DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-solo-para-desarrollo-local")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS may not contain '*' when DEBUG is off; list the site's host names.")

LANGUAGE_CODE = "es-mx"
TIME_ZONE = "America/Mexico_City"
USE_I18N = True
USE_TZ = True
# The shop's currency (ISO 4217): stated once next to the totals to pay, and the JS's
# Intl.NumberFormat currency (myproject/templatetags/tienda.py, static/js/formato.js).
MONEDA = env("MONEDA", default="MXN")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "axes",
    "channels",
    "csp",
    "django_celery_beat",
    "outbox",
    "myproject",
    "ventas",
    "notificaciones",
    "imagenes",
    "vendedor",
    "deadletter",
    "pagos",
    "cuentas",
    "almacen",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSP's: its response hook runs first, so the page's policy gets Stripe.js's origins.
    "pagos.middleware.StripeJSMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last: it turns a login that django-axes refused into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "myproject.urls"
WSGI_APPLICATION = "myproject.wsgi.application"
ASGI_APPLICATION = "myproject.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ventas.context_processors.tienda",
                "almacen.context_processors.almacen",
                "notificaciones.context_processors.notificaciones",
                "cuentas.context_processors.cuentas",
            ],
        },
    },
]

# Database
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Daphne runs each request's synchronous code in a thread of its own, so persistent
# connections (CONN_MAX_AGE) pile up one per thread until PostgreSQL refuses clients
# (seen at 50 concurrent buyers). A bounded pool per process makes a request wait for
# a connection instead. https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=1),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=60),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Auth
# ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+IP before any backend checks the
# password, on every login that calls authenticate() with its request (the shop's, the admin's).
AUTHENTICATION_BACKENDS = [
    "cuentas.backends.AxesConPeticion",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "ventas:catalogo"
LOGOUT_REDIRECT_URL = "ventas:catalogo"

# Accounts (django-allauth, the account app only)
# ------------------------------------------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_ADAPTER = "cuentas.adapter.AdaptadorCuentas"
ACCOUNT_FORMS = {"login": "cuentas.forms.FormularioEntrar"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Mi Tienda: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# How long a lock lasts, in minutes: django-axes' (username + IP, shop and admin) and the
# window of allauth's failed-login limits below. It ends by itself (0.5 is 30 s).
AXES_COOLOFF_MINUTOS = env.float("AXES_COOLOFF_MINUTOS", default=15)
if AXES_COOLOFF_MINUTOS <= 0:
    # django-axes reads a zero cool-off as "locked until an admin unlocks it".
    raise ImproperlyConfigured(f"AXES_COOLOFF_MINUTOS ({AXES_COOLOFF_MINUTOS}) must be above 0: a lock ends by itself.")
_ventana = max(1, round(AXES_COOLOFF_MINUTOS * 60))
# Failed logins allowed: per IP over any username, per username from any IP (allauth, the
# shop's form), and per username from one IP (django-axes, the shop's and the admin's).
LOGIN_FALLOS_POR_IP = env.int("LOGIN_FALLOS_POR_IP", default=20)
LOGIN_FALLOS_POR_USUARIO = env.int("LOGIN_FALLOS_POR_USUARIO", default=10)
# Password-reset requests per IP and per address, each per minute.
RESET_POR_IP_POR_MINUTO = env.int("RESET_POR_IP_POR_MINUTO", default=10)
RESET_POR_EMAIL_POR_MINUTO = env.int("RESET_POR_EMAIL_POR_MINUTO", default=2)
# Counted in CACHES (Redis), so every web process shares them.
# https://docs.allauth.org/en/latest/account/rate_limits.html
ACCOUNT_RATE_LIMITS = {
    "login": f"{max(30, LOGIN_FALLOS_POR_IP)}/m/ip",
    "login_failed": f"{LOGIN_FALLOS_POR_IP}/{_ventana}s/ip,{LOGIN_FALLOS_POR_USUARIO}/{_ventana}s/key",
    "signup": "20/m/ip",
    "reset_password": f"{RESET_POR_IP_POR_MINUTO}/m/ip,{RESET_POR_EMAIL_POR_MINUTO}/m/key",
    "reset_password_from_key": "20/m/ip",
}

# django-axes: failed logins stored in the database, keyed on username + IP, so guessing
# one account from one place locks that pair while its owner elsewhere still gets in.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env.int("AXES_LIMITE_FALLOS", default=LOGIN_FALLOS_POR_USUARIO)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Named here: axes' own default is a lazy object that the debug page's filter cannot read.
AXES_USERNAME_FORM_FIELD = "username"
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTOS)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "429.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# The client's address for both limits: REMOTE_ADDR, or with PROXIES_DE_CONFIANZA proxies
# of ours in front (compose's nginx: 1) the X-Forwarded-For entry the outermost one added.
PROXIES_DE_CONFIANZA = env.int("PROXIES_DE_CONFIANZA", default=0)
AXES_CLIENT_IP_CALLABLE = "cuentas.ip.ip_del_cliente"

# Static and media files
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "myproject.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Media on an S3-compatible bucket (AWS S3, MinIO: compose runs one) when
# AWS_STORAGE_BUCKET_NAME is set, so every web and worker machine sees the same files:
# uploads, image versions, product photos, invoices. Private: no object is public, each
# is served by a view of ours (myproject/almacenamiento.py, docs/escalar.md). Unset: the
# local MEDIA_ROOT, as `make run` and the tests use.
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default="")
if AWS_STORAGE_BUCKET_NAME:
    _clave_s3, _secreto_s3 = env("AWS_ACCESS_KEY_ID", default=""), env("AWS_SECRET_ACCESS_KEY", default="")
    if bool(_clave_s3) != bool(_secreto_s3):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (boto3 then finds its own)."
        )
    if AWS_S3_ENDPOINT_URL and not AWS_S3_ENDPOINT_URL.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"AWS_S3_ENDPOINT_URL must be an http(s):// URL, not {AWS_S3_ENDPOINT_URL!r}.")
    STORAGES["default"] = {
        "BACKEND": "myproject.almacenamiento.AlmacenamientoS3",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Unset: AWS itself, in AWS_S3_REGION_NAME.
            "endpoint_url": AWS_S3_ENDPOINT_URL or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            # Unset: boto3 looks for credentials itself (an instance or task role).
            "access_key": _clave_s3 or None,
            "secret_key": _secreto_s3 or None,
            # MinIO and most S3-compatible servers want path-style URLs (bucket in the path).
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path" if AWS_S3_ENDPOINT_URL else "auto"),
        },
    }
elif AWS_S3_ENDPOINT_URL:
    raise ImproperlyConfigured(
        "AWS_S3_ENDPOINT_URL is set but AWS_STORAGE_BUCKET_NAME is not: media would go to the local disk."
    )

# Payments (Stripe)
# ------------------------------------------------------------------------------
# The official SDK against Stripe's API, or against localstripe (a fake Stripe server:
# `make run`, `make test` and compose start it) when STRIPE_API_BASE is set. With DEBUG
# on and no real key it defaults to the local one on port 8420; in production it must be
# unset or empty and the real keys set (pagos/checks.py refuses a deploy otherwise).
# See docs/pagos.md. https://docs.stripe.com/api
# Empty counts as unset (compose passes every variable, set or not).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="") or (LOCALSTRIPE_CLAVE_SECRETA if DEBUG else "")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="") or (LOCALSTRIPE_CLAVE_PUBLICA if DEBUG else "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="") or (LOCALSTRIPE_SECRETO_WEBHOOK if DEBUG else "")
# Unset: localstripe when DEBUG is on and the key is not a live one; set but empty: Stripe itself.
_clave_real = STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
STRIPE_API_BASE = env("STRIPE_API_BASE", default=LOCALSTRIPE_URL if DEBUG and not _clave_real else "").rstrip("/")
# Where the browser loads Stripe.js: Stripe's, or the mock localstripe serves. Compose
# sets it apart from STRIPE_API_BASE (the servers reach localstripe by another name).
if STRIPE_API_BASE:
    STRIPE_JS_URL = env("STRIPE_JS_URL", default="") or f"{STRIPE_API_BASE}/js.stripe.com/v3/"
else:
    STRIPE_JS_URL = "https://js.stripe.com/v3/"
# One request to Stripe never holds a worker longer than this (connect, read).
STRIPE_TIMEOUT = env.float("STRIPE_TIMEOUT", default=10.0)
# A webhook whose signature is older than this many seconds is refused (replays).
STRIPE_WEBHOOK_TOLERANCIA = env.int("STRIPE_WEBHOOK_TOLERANCIA", default=300)
PAGO_MONEDA = env("PAGO_MONEDA", default="mxn").lower()
# An order still waiting for its payment is asked about after CONCILIAR minutes (Beat,
# every 5 min) and expired, stock back, once EXPIRA minutes passed with nothing paid.
PAGO_EXPIRA_MINUTOS = env.int("PAGO_EXPIRA_MINUTOS", default=30)
PAGO_CONCILIAR_DESPUES_MINUTOS = env.int("PAGO_CONCILIAR_DESPUES_MINUTOS", default=5)
# The payment task's retries on a network error or a 5xx: backoff doubling from this
# many seconds, capped below the visibility timeout, this many times at most.
PAGO_REINTENTO_SEGUNDOS = env.int("PAGO_REINTENTO_SEGUNDOS", default=5)
PAGO_MAX_REINTENTOS = env.int("PAGO_MAX_REINTENTOS", default=8)
# A refund that Stripe cannot be reached for is retried this many times, then left
# pending in the admin (docs/almacen.md).
REEMBOLSO_MAX_REINTENTOS = env.int("REEMBOLSO_MAX_REINTENTOS", default=8)

# Warehouse
# ------------------------------------------------------------------------------
# Optional external warehouse system: every paid and every cancelled order is POSTed
# there as signed JSON (docs/almacen.md). Empty URL: nothing is sent.
WAREHOUSE_WEBHOOK_URL = env("WAREHOUSE_WEBHOOK_URL", default="")
WAREHOUSE_WEBHOOK_SECRET = env("WAREHOUSE_WEBHOOK_SECRET", default="")
if WAREHOUSE_WEBHOOK_URL and not WAREHOUSE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("WAREHOUSE_WEBHOOK_URL needs WAREHOUSE_WEBHOOK_SECRET to sign what it sends")
ALMACEN_WEBHOOK_TIMEOUT = env.float("ALMACEN_WEBHOOK_TIMEOUT", default=5.0)
# Attempts per event (timeouts, connection errors, 5xx), backoff doubling from this many seconds.
ALMACEN_WEBHOOK_MAX_INTENTOS = env.int("ALMACEN_WEBHOOK_MAX_INTENTOS", default=8)
ALMACEN_WEBHOOK_REINTENTO_SEGUNDOS = env.float("ALMACEN_WEBHOOK_REINTENTO_SEGUNDOS", default=5.0)


def _origen(url: str) -> str:
    partes = urlsplit(url)
    return f"{partes.scheme}://{partes.netloc}"


# Stripe.js is the one external script, allowed only on the pages that load it (the card
# form, the sale page: pagos.middleware adds these to their policy): Stripe's own origins
# in production, only localstripe's origin (its script, its API) in development.
# https://docs.stripe.com/security/guide#content-security-policy
if urlsplit(STRIPE_JS_URL).netloc == "js.stripe.com":
    STRIPE_CSP = {
        "script-src": ["https://js.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
    }
else:
    STRIPE_CSP = {directiva: [_origen(STRIPE_JS_URL)] for directiva in ("script-src", "frame-src", "connect-src")}

# Security (production)
# ------------------------------------------------------------------------------
# The debug page and error emails hide the password inside URL-valued settings too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "myproject.debug.FiltroDeCredenciales"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): our own scripts, styles, images and sockets only
# ('self' covers ws:/wss: to this host), no inline code, no plugins, no framing. A page
# that needs another origin (Stripe.js: script, frame and connect) gets it from these
# lists of origins, e.g. CSP_EXTRA_SCRIPT_SRC=https://js.stripe.com.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CSP_EXTRA_SCRIPT_SRC = env.list("CSP_EXTRA_SCRIPT_SRC", default=[])
CSP_EXTRA_FRAME_SRC = env.list("CSP_EXTRA_FRAME_SRC", default=[])
CSP_EXTRA_CONNECT_SRC = env.list("CSP_EXTRA_CONNECT_SRC", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *CSP_EXTRA_SCRIPT_SRC],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'", *CSP_EXTRA_CONNECT_SRC],
        "frame-src": ["'self'", *CSP_EXTRA_FRAME_SRC],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A monitor reads /health/detalle/ with "Authorization: Bearer <HEALTH_TOKEN>"; unset, staff only.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")

# Email
# ------------------------------------------------------------------------------
# EMAIL_URL (smtp://user:pass@host:587, smtp+tls://…) wins; without it, development
# writes each message as an .eml file under var/mail/ and production needs SMTP.
# Without DEBUG, `check --deploy` refuses a deploy with no mail configured (myproject/checks.py).
EMAIL_CONFIGURADO = "EMAIL_URL" in env or "EMAIL_HOST" in env
if "EMAIL_URL" in env:
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env(
        "EMAIL_BACKEND",
        default="myproject.mail.EmlFileBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
    )
    EMAIL_HOST = env("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mi Tienda <ventas@mitienda.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MANAGERS_EMAILS = env.list("MANAGERS_EMAILS", default=["gerencia@mitienda.local"])
# Mailed when an email task fails for good and, without DEBUG, on server errors. "Name <email>,x@y"
ADMINS = getaddresses(env.list("ADMINS", default=[]))

# Redis, Celery
# ------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A task is acknowledged after it ran, and given back if its worker dies, so every
# task must be idempotent (see ventas/services/). Prefetch 1 keeps a slow task from
# holding others hostage.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# ...but a message whose runs killed their worker this many times in a row (out of
# memory, a crash in Pillow) is held back at its next delivery, not run again: a
# deadletter.DeadLetter row for the admin (see myproject.celery.Tarea, docs/operaciones.md).
CELERY_MAX_DELIVERIES = env.int("CELERY_MAX_DELIVERIES", default=3)
if CELERY_MAX_DELIVERIES < 1:
    raise ImproperlyConfigured(f"CELERY_MAX_DELIVERIES ({CELERY_MAX_DELIVERIES}) must be at least 1.")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers report task events for Flower. The "sent" event is off: it would be one more
# publish on the buyer's request for every task the checkout sends.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = False

# With the broker down, a sale still commits: publishing gives up within a couple of
# seconds (the buyer is not kept waiting) and the outbox relay (see "# Outbox") publishes
# its work once the broker is back. See docs/reliability.md.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-connection-timeout
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# The longest one publish can block with the broker unreachable: each try of the policy
# waits out the connection timeout, with the policy's pauses between tries.
_reintentos = CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"]
CELERY_PUBLISH_MAX_SECONDS = (1 + _reintentos) * CELERY_BROKER_CONNECTION_TIMEOUT + _reintentos * (
    CELERY_TASK_PUBLISH_RETRY_POLICY["interval_max"]
)
# On Redis an unacknowledged message comes back after this many seconds; every
# countdown and ETA we use (retry backoff is capped at CELERY_MAX_RETRY_DELAY) stays
# below it, or the message would be delivered twice while it waits. The cap follows
# the timeout, so setting a short one cannot break that.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=10 * 60)
CELERY_MAX_RETRY_DELAY = min(5 * 60, CELERY_VISIBILITY_TIMEOUT // 2)
# kombu's default round-robin between queues stays: its "priority" strategy would
# always read the queue named first, and a flood there would starve the others.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    # A dead worker's messages come back once the visibility timeout passed, but kombu
    # only looks for them every interval × throttle seconds (100 s by default); scan
    # every twentieth of the timeout so recovery is bounded by it.
    "unacked_restore_interval": max(1, CELERY_VISIBILITY_TIMEOUT // 20),
    "unacked_restore_throttle": 1,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Each .delay() subscribes to its result on Redis; Celery's default is 20 retries a
    # second apart, which would hold a buyer's request for 20 s while Redis is down.
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
}

# Queues and routes: mail, heavy work (PDF, images) and analytics each have their
# own queue, so a flood of one never starves the others. x-max-priority makes
# priorities work on RabbitMQ; on Redis Celery emulates them per queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_DEFAULT_PRIORITY = 5
CELERY_TASK_INHERIT_PARENT_PRIORITY = True
CELERY_QUEUE_NAMES = ["celery", "emails", "procesamiento_pesado", "analytics", "pagos"]
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name, queue_arguments={"x-max-priority": 10}) for name in CELERY_QUEUE_NAMES
]
CELERY_TASK_ROUTES = {
    "ventas.tasks.enviar_email_*": {"queue": "emails"},
    "cuentas.tasks.enviar_email_*": {"queue": "emails"},
    "ventas.tasks.enviar_recordatorio_carrito": {"queue": "emails"},
    "ventas.tasks.notificar_stock_bajo": {"queue": "emails"},
    "ventas.tasks.generar_factura_*": {"queue": "procesamiento_pesado"},
    # The sweep watches the heavy queue's images: a backlog there must not delay it.
    "imagenes.tasks.barrer_imagenes_atascadas": {"queue": "celery"},
    "imagenes.tasks.*": {"queue": "procesamiento_pesado"},
    "*.tasks.actualizar_estadisticas": {"queue": "analytics"},
    # Payments wait on Stripe's round trips: their own queue, so a slow Stripe holds up nothing else.
    "pagos.tasks.*": {"queue": "pagos"},
    "almacen.tasks.enviar_email_*": {"queue": "emails"},
}

# Cache
# ------------------------------------------------------------------------------
# Shared by every web process, so per-user limits (image uploads) hold across them.
# Short timeouts: a Redis that does not answer must not hold a request.
# https://docs.djangoproject.com/en/5.2/topics/cache/#redis
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    },
}
# Outbox
# ------------------------------------------------------------------------------
# Every task is first a row written in the transaction of the state it belongs to, then
# published on commit; the relay (Beat, every 5 s) publishes what was not. See
# docs/reliability.md. A publisher holds its rows this long: more than one publish can
# block (so a live one is never overtaken), and it is how long the rows of a process that
# died between commit and publish wait for the relay.
OUTBOX_CLAIM_SECONDS = env.int("OUTBOX_CLAIM_SECONDS", default=max(15, math.ceil(2 * CELERY_PUBLISH_MAX_SECONDS)))
if OUTBOX_CLAIM_SECONDS <= CELERY_PUBLISH_MAX_SECONDS:
    raise ImproperlyConfigured(
        f"OUTBOX_CLAIM_SECONDS ({OUTBOX_CLAIM_SECONDS}) must be above the {CELERY_PUBLISH_MAX_SECONDS} s one publish "
        "may take with the broker down (CELERY_BROKER_CONNECTION_TIMEOUT and the publish retry policy)."
    )
# A row whose publish fails (an unreachable broker counts against no row) is tried again
# after BACKOFF × 2^(attempt − 1) seconds, at most BACKOFF_MAX, and is dead after
# MAX_ATTEMPTS: shown in the admin (Outbox → mensajes, filter "muerto") to be retried by hand.
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=10)
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=60 * 60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_BATCH_SIZE = 100
# Sent rows stay this long for the admin, then the relay deletes them.
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=7)

# Channels
# ------------------------------------------------------------------------------
# https://channels.readthedocs.io/en/stable/topics/channel_layers.html
CHANNEL_LAYER_MAX_CONNECTIONS = env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=1000)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # redis-py's asyncio pool allows 100 connections by default and raises past
        # that; a burst of sellers connecting at once needs more (bench/alertas.py).
        "CONFIG": {
            # redis-py 8 reads with a 5 s timeout by default, and channels_redis waits
            # on BZPOPMIN for 5 s: every idle consumer's read raced its own timeout and
            # the consumer died, closing the socket. Read longer than the blocking pop.
            "hosts": [{"address": REDIS_URL, "max_connections": CHANNEL_LAYER_MAX_CONNECTIONS, "socket_timeout": 15}],
            "capacity": 1500,
            "expiry": 10,
        },
    },
}

# Sockets a user may hold open at once (tabs, devices), counted in Redis across every
# Daphne process; one more is closed with code 4429. A socket renews its slot every third
# of WS_CUPO_SEGUNDOS, so the slots of a Daphne that died free themselves within that.
WS_MAX_CONEXIONES_POR_USUARIO = env.int("WS_MAX_CONEXIONES_POR_USUARIO", default=10)
WS_CUPO_SEGUNDOS = env.int("WS_CUPO_SEGUNDOS", default=60)
# Threads of each web process for the sockets' database calls (connect, replay, mark read),
# instead of Channels' one thread per process (notificaciones/hilos.py); each holds a
# database connection only while it works.
WS_HILOS_BD = env.int("WS_HILOS_BD", default=4)

# Shop
# ------------------------------------------------------------------------------
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo12345")
MAX_CANTIDAD_POR_COMPRA = 100

# Images
# ------------------------------------------------------------------------------
# Uploads are checked before Pillow decodes them (see imagenes/procesamiento/).
IMAGENES_MAX_BYTES = env.int("IMAGENES_MAX_BYTES", default=20 * 1024 * 1024)
IMAGENES_MAX_PIXELS = env.int("IMAGENES_MAX_PIXELS", default=40_000_000)
# The request reads headers only. Above IMAGENES_PIXELES_LIBRES a file must carry a
# byte per IMAGENES_MAX_PIXELES_POR_BYTE pixels, or it is a bomb, not a photo (the
# measurements behind both numbers are in imagenes/procesamiento/base.py).
IMAGENES_MAX_PIXELES_POR_BYTE = env.int("IMAGENES_MAX_PIXELES_POR_BYTE", default=100)
IMAGENES_PIXELES_LIBRES = env.int("IMAGENES_PIXELES_LIBRES", default=12_000_000)
# The worker decodes an image only if the peak memory estimated from its header (mode,
# size, format) fits here; each heavy-queue worker child needs about this much at most.
IMAGENES_MAX_MEMORIA_MB = env.int("IMAGENES_MAX_MEMORIA_MB", default=512)
# Upload attempts one user may make per minute (refused ones count too); then 429.
IMAGENES_SUBIDAS_POR_MINUTO = env.int("IMAGENES_SUBIDAS_POR_MINUTO", default=10)
# Any request body over this is refused with 413 before it is buffered (myproject/limites.py):
# the largest upload plus room for the form's other fields and the multipart framing.
MAX_CUERPO_BYTES = env.int("MAX_CUERPO_BYTES", default=IMAGENES_MAX_BYTES + 1024 * 1024)
# An image still "procesando" after this many minutes is failed by the sweep task. Longer
# than the slowest path that still ends well (a killed worker's task comes back after the
# visibility timeout, then may wait out the longest retry delay) plus ten minutes of work:
# a shorter wait would fail images a redelivery was about to finish.
IMAGENES_MINUTOS_ATASCADA = env.int(
    "IMAGENES_MINUTOS_ATASCADA", default=math.ceil((CELERY_VISIBILITY_TIMEOUT + CELERY_MAX_RETRY_DELAY) / 60) + 10
)
# Moderation service (docs/imagenes.md). Unset: every image is held for human review.
MODERATION_API_URL = env("MODERATION_API_URL", default="")
MODERATION_API_TOKEN = env("MODERATION_API_TOKEN", default="")
MODERATION_CONNECT_TIMEOUT = env.float("MODERATION_CONNECT_TIMEOUT", default=3.05)
MODERATION_READ_TIMEOUT = env.float("MODERATION_READ_TIMEOUT", default=10.0)
# Retry n waits about BACKOFF * 2**n seconds, with ±50 % jitter.
MODERATION_BACKOFF = env.float("MODERATION_BACKOFF", default=2.0)
# "Safe" below this confidence is not trusted: the image goes to human review.
MODERATION_CONFIANZA_MINIMA = env.float("MODERATION_CONFIANZA_MINIMA", default=0.8)

# Logging
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simple"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # fpdf2's font subsetting is chatty at INFO
    },
}

# Faults and recovery
# ------------------------------------------------------------------------------
# See docs/reliability.md; the broker's side of it is under "Redis, Celery".
# A worker holds an email this long before another may take it over (its worker
# died). EMAIL_TIMEOUT bounds each socket read or write, not the exchange, so the claim
# is renewed right before the SMTP transaction and the transaction is cut at 5/6 of the
# lease (ventas.emails): a live sender is never overtaken, however slow the server.
# 6 × EMAIL_TIMEOUT gives the transaction's five blocking steps (MAIL, RCPT, DATA, the
# message, the final reply) a full timeout each, the sixth is margin for clock skew.
# Shorter than the visibility timeout, so the redelivered task of a dead worker finds the
# claim expired.
EMAIL_LEASE_SECONDS = env.int("EMAIL_LEASE_SECONDS", default=min(6 * EMAIL_TIMEOUT, CELERY_VISIBILITY_TIMEOUT // 2))
if not 0 < EMAIL_LEASE_SECONDS < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        f"EMAIL_LEASE_SECONDS ({EMAIL_LEASE_SECONDS}) must be above 0 and below CELERY_VISIBILITY_TIMEOUT "
        f"({CELERY_VISIBILITY_TIMEOUT}): a dead worker's redelivered email task must find its claim expired."
    )
