"""The project's settings plus the benchmark-only views (floor and inline variants)."""

from myproject.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
