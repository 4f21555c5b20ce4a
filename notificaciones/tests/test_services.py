"""notificar() numbers each user's notifications 1, 2, 3… with no holes, in commit order."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from notificaciones import services
from notificaciones.models import ContadorNotificaciones, Notificacion
from pruebas.factories import UsuarioFactory


def notificar(usuario, titulo="t"):
    return services.notificar(usuario=usuario, tipo="nueva_venta", titulo=titulo)


def secuencias(usuario) -> list[int]:
    return list(Notificacion.objects.filter(usuario=usuario).order_by("secuencia").values_list("secuencia", flat=True))


@pytest.mark.django_db
def test_cada_usuario_cuenta_sus_notificaciones_desde_uno():
    ana, beto = UsuarioFactory(), UsuarioFactory()
    for usuario in (ana, beto, ana, ana, beto):
        notificar(usuario)

    assert secuencias(ana) == [1, 2, 3]
    assert secuencias(beto) == [1, 2]
    assert ContadorNotificaciones.objects.get(usuario=ana).ultima_secuencia == 3
    assert notificar(ana).como_mensaje()["secuencia"] == 4


@pytest.mark.django_db
def test_una_notificacion_revertida_devuelve_su_numero():
    usuario = UsuarioFactory()
    notificar(usuario)
    with pytest.raises(RuntimeError), transaction.atomic():
        notificar(usuario, "revertida con la venta")
        raise RuntimeError

    assert notificar(usuario).secuencia == 2
    assert secuencias(usuario) == [1, 2]


def _en_hilo(funcion, resultados: list, errores: list):
    def correr():
        try:
            resultados.append(funcion())
        except Exception as error:  # noqa: BLE001 - reported by the test
            errores.append(error)
        finally:
            connection.close()

    hilo = threading.Thread(target=correr)
    hilo.start()
    return hilo


@pytest.mark.django_db(transaction=True)
def test_una_segunda_notificacion_espera_a_que_la_primera_se_confirme():
    usuario = UsuarioFactory()
    notificar(usuario)
    numerada = threading.Event()
    confirmada_en = []

    def primera():
        with transaction.atomic():
            fila = notificar(usuario, "primera")
            numerada.set()
            time.sleep(1)  # still uncommitted: nobody may take the next number yet
        confirmada_en.append(time.monotonic())
        return fila

    def segunda():
        numerada.wait(10)
        fila = notificar(usuario, "segunda")
        return fila, time.monotonic()

    resultados_a, resultados_b, errores = [], [], []
    hilos = [_en_hilo(primera, resultados_a, errores), _en_hilo(segunda, resultados_b, errores)]
    for hilo in hilos:
        hilo.join(30)

    assert not errores, errores
    (fila_a,), ((fila_b, terminada_en),) = resultados_a, resultados_b
    assert (fila_a.secuencia, fila_b.secuencia) == (2, 3)
    assert terminada_en >= confirmada_en[0]  # it waited for the first commit


@pytest.mark.django_db(transaction=True)
def test_notificaciones_simultaneas_quedan_numeradas_sin_huecos_ni_repetidos():
    usuario = UsuarioFactory()  # no counter row yet: the first ones race to create it
    resultados, errores = [], []

    def varias():
        return [notificar(usuario).secuencia for _ in range(5)]

    hilos = [_en_hilo(varias, resultados, errores) for _ in range(6)]
    for hilo in hilos:
        hilo.join(60)

    assert not errores, errores
    assert sorted(n for lote in resultados for n in lote) == list(range(1, 31))
    assert secuencias(usuario) == list(range(1, 31))


@pytest.mark.django_db(transaction=True)
def test_la_migracion_numera_las_notificaciones_que_ya_habia():
    ana, beto = UsuarioFactory(), UsuarioFactory()
    executor = MigrationExecutor(connection)
    executor.migrate([("notificaciones", "0001_initial")])
    antigua = executor.loader.project_state([("notificaciones", "0001_initial")]).apps
    Antigua = antigua.get_model("notificaciones", "Notificacion")
    ids = [
        Antigua.objects.create(usuario_id=usuario.pk, tipo="nueva_venta", titulo="t").pk for usuario in (ana, beto, ana)
    ]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    numeradas = list(Notificacion.objects.order_by("pk").values_list("pk", "secuencia"))
    assert numeradas == [(ids[0], 1), (ids[1], 1), (ids[2], 2)]
    assert notificar(ana).secuencia == 3
    assert notificar(beto).secuencia == 2
