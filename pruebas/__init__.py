"""Test support, not part of the product: the pytest plugin, the processes the tests and
benchmarks start, the local SMTP box, the test settings and the factories.

Left out of the Docker image (.dockerignore); no product module imports it.
"""
