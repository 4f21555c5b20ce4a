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
