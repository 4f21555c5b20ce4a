// The notifications socket: connects, pings, reconnects with backoff, resumes from the
// last id seen (?despues_de=) and hands each message to the page once. Protocol:
// docs/notificaciones.md.

const BASE_MS = 500; // first reconnect waits up to this long…
const TOPE_MS = 30000; // …doubling each failure up to this cap (full jitter below it)
const PING_MS = 25000; // keep idle proxies from dropping us; detect a dead socket
const NO_SON_NOTIFICACIONES = ["notificacion_leida", "error", "pong"];

export function urlPorDefecto() {
  const esquema = window.location.protocol === "https:" ? "wss:" : "ws:";
  return esquema + "//" + window.location.host + "/ws/notificaciones/";
}

export class Conexion {
  // alMensaje(mensaje, nuevo): every message except a notification already handled on
  // this page; `nuevo` is false for a replay of one this tab showed before a reload.
  // alCambiar(conectado): the socket opened or was lost.
  constructor({ usuarioId, url, almacen, alMensaje, alCambiar }) {
    this.url = url || urlPorDefecto();
    this.almacen = almacen;
    this.clave = "mitienda:notificaciones:ultimo:" + String(usuarioId);
    this.alMensaje = alMensaje;
    this.alCambiar = alCambiar;
    this.ultimoId = this.leerUltimoId();
    // Notifications up to here were already shown in this tab (before a reload):
    // a replay of them updates the page but pops nothing up again.
    this.ultimoIdAlCargar = this.ultimoId;
    this.vistos = new Set();
    this.intentos = 0;
    this.socket = null;
    this.temporizador = null;
    this.ping = null;
    this.respondio = true;
    this.detenido = false;
  }

  conectar() {
    if (this.detenido || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    clearTimeout(this.temporizador);
    const url = this.ultimoId > 0 ? this.url + "?despues_de=" + encodeURIComponent(this.ultimoId) : this.url;
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      this.programarReconexion();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.intentos = 0; // a successful open resets the backoff
      this.alCambiar(true);
      this.respondio = true;
      clearInterval(this.ping);
      this.ping = setInterval(() => this.latir(), PING_MS);
    });
    socket.addEventListener("message", (evento) => {
      this.respondio = true;
      let mensaje;
      try {
        mensaje = JSON.parse(evento.data);
      } catch (error) {
        return;
      }
      if (mensaje && typeof mensaje === "object") this.recibir(mensaje);
    });
    socket.addEventListener("close", () => this.perdida(socket));
  }

  // The socket closed or went silent: forget it and schedule the next attempt. A late
  // "close" event of a socket already given up on is ignored.
  perdida(socket) {
    if (this.socket !== socket) return;
    this.socket = null;
    clearInterval(this.ping);
    this.alCambiar(false);
    this.programarReconexion();
  }

  // Exponential backoff with full jitter: a random wait in [0, min(cap, base·2^n)],
  // so a restarted server is not hit by every page at the same instant.
  programarReconexion() {
    if (this.detenido) return;
    const techo = Math.min(TOPE_MS, BASE_MS * Math.pow(2, this.intentos));
    this.intentos += 1;
    clearTimeout(this.temporizador);
    this.temporizador = setTimeout(() => this.conectar(), Math.random() * techo);
  }

  reconectarYa() {
    if (!this.socket && !this.detenido) {
      this.intentos = 0;
      this.conectar();
    }
  }

  latir() {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    if (!this.respondio) {
      // Nothing heard since the last ping: the link is dead. A close handshake on a
      // dead link can take minutes, so reconnect now instead of waiting for it.
      const muerto = this.socket;
      this.perdida(muerto);
      muerto.close();
      return;
    }
    this.respondio = false;
    this.enviar({ action: "ping" });
  }

  detener() {
    this.detenido = true;
    clearTimeout(this.temporizador);
    clearInterval(this.ping);
    if (this.socket) this.socket.close();
  }

  enviar(datos) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(datos));
      return true;
    }
    return false;
  }

  // A replay and a live push may bring the same notification: the first one wins.
  recibir(mensaje) {
    const id = mensaje.id;
    if (Number.isInteger(id) && !NO_SON_NOTIFICACIONES.includes(mensaje.type)) {
      if (this.vistos.has(id)) return;
      this.vistos.add(id);
      if (id > this.ultimoId) this.guardarUltimoId(id);
    }
    this.alMensaje(mensaje, !mensaje.replay || id > this.ultimoIdAlCargar);
  }

  leerUltimoId() {
    try {
      const valor = parseInt(this.almacen.getItem(this.clave) || "0", 10);
      return Number.isFinite(valor) && valor > 0 ? valor : 0;
    } catch (error) {
      return 0;
    }
  }

  guardarUltimoId(id) {
    this.ultimoId = id;
    try {
      this.almacen.setItem(this.clave, String(id));
    } catch (error) {
      // Storage full or disabled: we still resume from memory while the page lives.
    }
  }
}
