# Mi Tienda: one image for every process (web, workers, beat, flower, migrate); compose picks the command.
# The RUN steps that use the project are mirrored by myproject/tests/test_despliegue.py, which runs them.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

WORKDIR /app
RUN groupadd --system tienda && useradd --system --gid tienda --home-dir /app --shell /usr/sbin/nologin tienda

# Dependencies first, so a code change does not reinstall them: only what production runs
# (requirements.txt; the test and development tools are in requirements-dev.txt).
COPY requirements.txt .
RUN pip install -r requirements.txt

# .dockerignore leaves out local state, the test support (pruebas/, tests/) and bench/.
COPY . .
# Static files are collected at build time with production settings. The secret is a
# throwaway used only by this step; the containers get theirs from the environment.
RUN DEBUG=0 SECRET_KEY=solo-para-collectstatic-en-el-build ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v0
RUN mkdir -p /app/media /app/var && chown -R tienda:tienda /app/media /app/var

USER tienda
EXPOSE 8000 5555
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "myproject.asgi:application"]
