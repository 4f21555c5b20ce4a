from django.test import RequestFactory

from cuentas.ip import ip_del_cliente


def test_sin_proxies_cuenta_remote_addr_y_no_la_cabecera(settings):
    settings.PROXIES_DE_CONFIANZA = 0
    peticion = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ip_del_cliente(peticion) == "203.0.113.9"


def test_con_un_proxy_cuenta_la_entrada_que_el_anadio_no_las_que_trae_el_cliente(settings):
    settings.PROXIES_DE_CONFIANZA = 1
    # The client forged "1.2.3.4"; our nginx appended the address it really saw.
    peticion = RequestFactory().get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert ip_del_cliente(peticion) == "198.51.100.7"
    # A request that skipped the proxy (no header) is keyed on its own address.
    assert ip_del_cliente(RequestFactory().get("/", REMOTE_ADDR="172.18.0.9")) == "172.18.0.9"
