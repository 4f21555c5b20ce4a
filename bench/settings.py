"""The project's settings plus the benchmark-only views (floor and inline variants)."""

from myproject.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# bench.sockets spreads its 10,000 sockets over 500 users, 20 each: above the shop's cap.
WS_MAX_CONEXIONES_POR_USUARIO = 100
