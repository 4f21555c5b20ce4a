import pytest


@pytest.mark.django_db
def test_health_ok_con_todo_arriba(client, celery_worker):
    respuesta = client.get("/health/")
    assert respuesta.status_code == 200
    cuerpo = respuesta.json()
    assert cuerpo["status"] == "ok" and cuerpo["failing"] == []
    assert cuerpo["checks"]["workers"] >= 1


@pytest.mark.django_db
def test_health_nombra_a_redis_caido(client, settings):
    from myproject import devservices

    settings.REDIS_URL = f"redis://127.0.0.1:{devservices.free_port()}/0"
    respuesta = client.get("/health/")
    assert respuesta.status_code == 503
    assert "redis" in respuesta.json()["failing"]
    assert respuesta.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("esquema", ["redis", "amqp"])
def test_health_nombra_al_broker_caido(client, settings, esquema):
    from myproject import devservices

    puerto = devservices.free_port()
    settings.CELERY_BROKER_URL = f"{esquema}://guest:guest@127.0.0.1:{puerto}/" + ("/" if esquema == "amqp" else "0")
    respuesta = client.get("/health/")
    assert respuesta.status_code == 503
    cuerpo = respuesta.json()
    assert cuerpo["failing"] == ["broker", "workers"]
    assert cuerpo["checks"]["broker"].startswith("error: ")
    assert cuerpo["checks"]["workers"] == "unknown: broker down"
    assert cuerpo["checks"]["redis"] == "ok" and cuerpo["checks"]["database"] == "ok"


@pytest.mark.faults
@pytest.mark.django_db
def test_health_tras_reiniciar_redis_no_da_a_los_workers_por_caidos(client, celery_worker, redis_privado):
    from myproject.celery import app

    # A web process that has talked to the broker keeps the connection in the app's pool.
    assert app.control.ping(timeout=1)
    redis_privado.detener()
    assert client.get("/health/").status_code == 503
    redis_privado.arrancar()

    # That pooled connection is now dead; the first check after the restart must not use it.
    respuesta = client.get("/health/")
    assert respuesta.status_code == 200, respuesta.json()
    assert respuesta.json()["checks"]["workers"] >= 1
