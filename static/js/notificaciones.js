// Live notifications for a logged-in user over the WebSocket ws/notificaciones/: the
// entry module base.html loads (<script type="module">, no build step). The parts live
// in static/js/notificaciones/: conexion.js (socket, backoff, resume, holes in the
// sequence, dedupe), popup.js, sonido.js, insignia.js. Protocol and guarantees:
// docs/notificaciones.md.
//
// What other scripts rely on: every message the page has not handled yet is dispatched
// on window as CustomEvent "mitienda:notificacion" ({detail: message}); connection
// changes as "mitienda:conexion" ({detail: {conectado}}). window.SistemaNotificaciones
// is the class, window.mitiendaNotificaciones the page's running instance.
import { Conexion } from "./notificaciones/conexion.js";
import { Insignia } from "./notificaciones/insignia.js";
import { Popups } from "./notificaciones/popup.js";
import { Sonido } from "./notificaciones/sonido.js";

class SistemaNotificaciones {
  constructor({ usuarioId, url = null, documento = document, almacen = window.sessionStorage } = {}) {
    this.insignia = new Insignia(documento);
    this.popups = new Popups(documento, { alElegir: (id) => this.marcarLeida(id) });
    this.sonido = new Sonido(documento);
    this.conexion = new Conexion({
      usuarioId,
      url,
      almacen,
      alMensaje: (mensaje, nuevo) => this.manejar(mensaje, nuevo),
      alCambiar: (conectado) => window.dispatchEvent(new CustomEvent("mitienda:conexion", { detail: { conectado } })),
    });
  }

  conectar() {
    this.conexion.conectar();
  }

  reconectarYa() {
    this.conexion.reconectarYa();
  }

  detener() {
    this.conexion.detener();
  }

  enviar(datos) {
    return this.conexion.enviar(datos);
  }

  manejar(mensaje, nuevo) {
    switch (mensaje.type) {
      case "connection_established":
        this.insignia.actualizar(mensaje.no_leidas);
        break;
      case "notificacion_leida":
        this.insignia.actualizar(mensaje.no_leidas);
        this.popups.quitar(mensaje.id);
        break;
      case "notificaciones_leidas":
        this.insignia.actualizar(mensaje.no_leidas);
        this.popups.quitarTodos();
        break;
      case "error":
        console.warn("Notificaciones:", mensaje.mensaje);
        break;
      case "pong":
      case "reenvio_completo":
      case "posible_perdida":
        break;
      default:
        if (!Number.isInteger(mensaje.id)) break;
        if (typeof mensaje.no_leidas === "number") this.insignia.actualizar(mensaje.no_leidas);
        if (!mensaje.leida && nuevo) {
          this.popups.mostrar(mensaje);
          this.sonido.sonar();
        }
    }
    window.dispatchEvent(new CustomEvent("mitienda:notificacion", { detail: mensaje }));
  }

  marcarLeida(id) {
    // While offline the popup stays, so the click can be repeated once we are back.
    if (this.enviar({ action: "marcar_leida", notificacion_id: id })) this.popups.quitar(id);
  }
}

window.SistemaNotificaciones = SistemaNotificaciones;

// A module runs once the document is parsed (like a deferred script, in document
// order with them), so the page's elements are there already.
const usuarioId = document.body.dataset.usuario;
if (usuarioId && "WebSocket" in window) {
  const sistema = new SistemaNotificaciones({ usuarioId });
  window.mitiendaNotificaciones = sistema;
  window.addEventListener("online", () => sistema.reconectarYa());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sistema.reconectarYa();
  });
  sistema.conectar();
}
