"""The project's settings plus the benchmark-only views (floor and inline variants)."""

import os

from myproject.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# bench.sockets spreads its 10,000 sockets over 500 users, 20 each: above the shop's cap.
WS_MAX_CONEXIONES_POR_USUARIO = 100

# bench.alertas measures channels_redis's pub/sub layer next to the project's (BENCH_CAPA=pubsub):
# same Redis, same connection settings; capacity and expiry are the list layer's only.
if os.environ.get("BENCH_CAPA") == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]},  # noqa: F405
        }
    }
