"""Several hosts, proven (issue 15): two web hosts, a worker host and a data host, on one machine.

pruebas/varios_hosts.py builds them: four network namespaces on a private bridge, each
with only its loopback and one address, so processes reach each other only over that
network, as across machines (Daphne on A and B, a Celery worker on the worker host, Redis,
PostgreSQL, S3 and localstripe on the data host). This process is a client on the bridge:
it sees the stack as buyers, sellers and ops do (HTTP, WebSocket, localstripe's API, the
bucket, the mailbox, the broker), never through a Django connection to the hosts' database.
"""

import asyncio
import io
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from PIL import Image
from websockets.asyncio.client import connect

from notificaciones.tests.test_en_vivo import recibir
from pruebas import varios_hosts
from pruebas.procesos import esperar
from pruebas.varios_hosts import OUTBOX_RECLAMO, VISIBILIDAD
from ventas.tests.test_fallos import _matar_con_hijos

pytestmark = [pytest.mark.stack, pytest.mark.faults]


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """The four hosts with their processes, for this module; all torn down at its end."""
    if razon := varios_hosts.por_que_no():
        pytest.skip(razon)
    with varios_hosts.levantar(tmp_path_factory.mktemp("varios-hosts")) as listos:
        yield listos


def test_cada_host_tiene_solo_su_loopback_y_una_direccion_en_la_red(hosts):
    red = hosts.red
    for host, espacio in red.espacios.items():
        direcciones = subprocess.run(
            ["ip", "-n", espacio, "-o", "addr", "show"], capture_output=True, text=True, check=True
        ).stdout
        vistas = sorted(re.findall(r"^\d+: (\S+)\s+inet6? (\S+)", direcciones, re.MULTILINE))
        assert vistas == [("eth0", f"{red.direcciones[host]}/24"), ("lo", "127.0.0.1/8")], (host, vistas)
        # No default route: nothing but the hosts' own network is reachable from them.
        rutas = subprocess.run(["ip", "-n", espacio, "route", "show"], capture_output=True, text=True, check=True)
        assert [ruta.split()[:3] for ruta in rutas.stdout.splitlines()] == [[str(red.subred), "dev", "eth0"]]


async def _aviso(ws, tipo: str, timeout: float = 30) -> dict:
    """Return the next message of type ``tipo`` (others, such as an image's, may come first)."""
    while (mensaje := await recibir(ws, timeout))["type"] != tipo:
        pass
    return mensaje


async def test_la_venta_hecha_en_a_se_cobra_en_el_worker_y_avisa_a_la_vendedora_en_b(hosts):
    vendedora = hosts.sesion(hosts.demo["vendedora"], "web_b")
    cookie = f"{settings.SESSION_COOKIE_NAME}={vendedora.cookies[settings.SESSION_COOKIE_NAME]}"
    base_ws = hosts.base("web_b").replace("http://", "ws://")
    async with connect(
        f"{base_ws}/ws/notificaciones/", origin=hosts.base("web_b"), additional_headers={"Cookie": cookie}
    ) as ws:
        saludo = await recibir(ws)
        assert (saludo["type"], saludo["usuario"]) == ("connection_established", "vendedora_hosts")

        venta_id = await asyncio.to_thread(hosts.comprar)
        aviso = await _aviso(ws, "nueva_venta")

    assert aviso["venta_id"] == venta_id
    assert aviso["mensaje"] == "comprador_hosts compró 1 × Café de otra máquina"
    estado = await asyncio.to_thread(hosts.estado, venta_id, "web_b")
    assert (estado["estado"], estado["numero"]) == ("pagada", aviso["numero"])
    # The worker host charged localstripe on the data host, once.
    assert len(hosts.stripe.cobrados(venta_id)) == 1


def test_la_factura_del_worker_se_baja_por_a(hosts):
    venta_id = hosts.comprar()
    estado = esperar(
        lambda: (e := hosts.estado(venta_id))["factura_url"] and e,
        timeout=30,
        mensaje="the worker host to store the invoice",
        proceso=hosts.worker,
    )
    comprador = hosts.sesion(hosts.demo["comprador"], "web_a")
    descarga = comprador.get(comprador.base + estado["factura_url"], timeout=30)
    assert descarga.status_code == 200 and descarga.headers["Content-Type"] == "application/pdf"
    assert descarga.content.startswith(b"%PDF")
    assert descarga.content == hosts.bucket.leer(f"facturas/factura-{estado['numero']}.pdf")
    assert hosts.archivos_locales() == []


def _jpeg() -> bytes:
    imagen = Image.new("RGB", (1200, 900), (30, 120, 200))
    salida = io.BytesIO()
    imagen.save(salida, "JPEG", quality=90)
    return salida.getvalue()


def test_la_foto_subida_por_a_se_procesa_en_el_worker_y_se_ve_por_b(hosts):
    en_a = hosts.sesion(hosts.demo["vendedora"], "web_a")
    en_a.get(f"{en_a.base}/imagenes/subir/", timeout=30)
    subida = en_a.post(
        f"{en_a.base}/imagenes/subir/",
        data={"descripcion": "taza", "csrfmiddlewaretoken": en_a.cookies["csrftoken"]},
        files={"archivo": ("taza.jpg", _jpeg())},
        allow_redirects=False,
        timeout=60,
    )
    assert subida.status_code == 302, subida.text[:500]
    imagen_id = int(re.fullmatch(r"/imagenes/(\d+)/", subida.headers["Location"]).group(1))

    en_b = hosts.sesion(hosts.demo["vendedora"], "web_b")
    estado = esperar(
        lambda: (e := en_b.get(f"{en_b.base}/imagenes/{imagen_id}/estado/", timeout=10).json())["terminada"] and e,
        timeout=60,
        mensaje="the worker host to process the image",
        proceso=hosts.worker,
    )
    assert estado["error"] == "" and all(estado["versiones"].values()), estado
    for version, lado in {"thumbnail": 150, "medium": 640, "large": 1080}.items():
        respuesta = en_b.get(en_b.base + estado["versiones"][version], timeout=30)
        assert respuesta.status_code == 200 and respuesta.headers["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(respuesta.content)) as abierta:
            assert max(abierta.size) == lado
    assert hosts.archivos_locales() == []


def _completa(estado: dict) -> bool:
    return estado["estado"] == "pagada" and estado["email_enviado"] and bool(estado["factura_url"])


# Known defect, left open in issue 15: one CI run out of three lost a paid order's invoice
# step here. The pipeline task had published its chain just before the SIGKILL; the
# invoice message then showed in neither worker's log, and the visibility timeout never
# brought it back. What fits: kombu's Redis transport pops a message (BRPOP) before it
# records it as unacknowledged, so a kill between the two loses it; and no
# sweep re-runs the pipeline of a paid order left without invoice or email. The test
# stays as the reproduction for that sweep (with per-order backoff and a bound, as the
# outbox has), not as a claim.
@pytest.mark.skip(
    reason="known defect: a SIGKILL between kombu's Redis BRPOP and its unacked record loses the "
    "message, and no sweep re-runs a paid order's pipeline (issue 15, docs/reliability.md)"
)
def test_el_worker_muerto_a_mitad_no_pierde_ni_repite_nada(hosts):
    with ThreadPoolExecutor(4) as hilos:
        ventas = list(hilos.map(lambda _: hosts.comprar(), range(4)))
    # SIGKILL the worker host's worker (and its pool) once the first of them is paid: the
    # others' charges, invoices and emails are still in its hands or in the queues, and
    # what a payment committed may not be published yet (the relay on Beat publishes it).
    esperar(
        lambda: any(hosts.estado(v)["estado"] == "pagada" for v in ventas),
        timeout=30,
        intervalo=0.02,
        mensaje="the first order to be paid",
        proceso=hosts.worker,
    )
    _matar_con_hijos(hosts.worker)
    sin_confirmar = hosts.sin_confirmar()
    completas_al_matar = sum(_completa(hosts.estado(v)) for v in ventas)
    assert completas_al_matar < len(ventas), "the worker was killed too late to prove anything"
    assert sin_confirmar > 0, "the killed worker held no message"
    ventas.append(hosts.comprar())  # bought while no worker runs: it waits in the broker

    hosts.iniciar_worker("worker-2")
    esperar(
        lambda: all(_completa(hosts.estado(v)) for v in ventas),
        timeout=max(VISIBILIDAD, OUTBOX_RECLAMO + 5) + 30,
        intervalo=0.2,
        mensaje="every order to be fulfilled after the kill",
        proceso=hosts.worker,
    )
    # Let late duplicates (a redelivered message) run too before counting.
    esperar(lambda: hosts.sin_confirmar() == 0, timeout=VISIBILIDAD + 10, mensaje="no message in hand")

    comprador, huerfanos = hosts.demo["email_comprador"], 0
    for venta_id in ventas:
        numero = hosts.estado(venta_id, "web_b")["numero"]
        # Charged once. A kill between creating the PaymentIntent and storing its id leaves
        # one more at localstripe, which ignores idempotency keys (Stripe would return the
        # first): never confirmed, it cannot charge.
        estados = sorted(pi["status"] for pi in hosts.stripe.intentos(venta_id))
        assert estados.count("succeeded") == 1, (venta_id, estados)
        assert set(estados) <= {"succeeded", "requires_confirmation", "canceled"}, (venta_id, estados)
        huerfanos += len(estados) - 1
        assert hosts.bucket.claves(f"facturas/factura-{numero}") == [f"facturas/factura-{numero}.pdf"]
        confirmaciones = [m for m in hosts.buzon.para(comprador) if numero in str(m["Subject"])]
        # SMTP is at least once: a worker killed after the server took a message sends the
        # same message (same Message-ID) again; never a second, different confirmation.
        assert confirmaciones and len({m["Message-ID"] for m in confirmaciones}) == 1, (numero, confirmaciones)
    print(
        f"\nworker killed with {sin_confirmar} messages in hand, {completas_al_matar}/4 orders complete;"
        f" {huerfanos} unconfirmed PaymentIntent(s) left by the kill"
    )
