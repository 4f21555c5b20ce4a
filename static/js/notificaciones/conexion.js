// The notifications socket: connects, pings, reconnects with backoff, resumes from the
// last sequence seen (?despues_de=), asks for the notifications a hole in the sequence
// says were lost, and hands each message to the page once. Protocol:
// docs/notificaciones.md.

const BASE_MS = 500; // first reconnect waits up to this long…
const TOPE_MS = 30000; // …doubling each failure up to this cap (full jitter below it)
const PING_MS = 25000; // keep idle proxies from dropping us; detect a dead socket
const DEMASIADAS_CONEXIONES = 4429; // the user has too many sockets open (other tabs, devices)
const PROTOCOLO = 2; // notifications carry a per-user sequence, and despues_de counts it
const NO_SON_NOTIFICACIONES = ["notificacion_leida", "error", "pong"];

function esNotificacion(mensaje) {
  return Number.isInteger(mensaje.id) && !NO_SON_NOTIFICACIONES.includes(mensaje.type);
}

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
    this.clave = "mitienda:notificaciones:secuencia:" + String(usuarioId);
    this.alMensaje = alMensaje;
    this.alCambiar = alCambiar;
    // Every notification up to this sequence was handled here (or in this tab before
    // a reload), or left out on purpose by the server's replay; kept per tab and sent
    // as despues_de.
    this.contigua = this.leerSecuencia();
    // Up to here this tab already showed them (before a reload): a replay of them
    // updates the page but pops nothing up again.
    this.contiguaAlCargar = this.contigua;
    // Sequences handled on this page ("id:N" for a server without sequences). One
    // above `contigua` means the ones between were lost on the way: a hole.
    this.vistas = new Set();
    this.mayorVista = this.contigua;
    this.pidiendo = false; // a "reenviar" is on its way and unanswered
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
    let url = this.url + "?protocolo=" + PROTOCOLO;
    if (this.contigua > 0) url += "&despues_de=" + encodeURIComponent(this.contigua);
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
    socket.addEventListener("close", (evento) => {
      // Refused for too many sockets: the open just before reset the backoff, so wait
      // as long as after many failures instead of knocking again at once.
      if (evento?.code === DEMASIADAS_CONEXIONES) this.intentos = Math.ceil(Math.log2(TOPE_MS / BASE_MS));
      this.perdida(socket);
    });
  }

  // The socket closed or went silent: forget it and schedule the next attempt. A late
  // "close" event of a socket already given up on is ignored.
  perdida(socket) {
    if (this.socket !== socket) return;
    this.socket = null;
    this.pidiendo = false; // its answer is lost with the socket; the next connect replays
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

  recibir(mensaje) {
    if (mensaje.type === "connection_established") {
      this.pidiendo = false;
      if (Number.isInteger(mensaje.secuencia)) this.alSaludar(mensaje.secuencia);
    } else if (mensaje.type === "reenvio_completo") {
      this.pidiendo = false;
      if (Number.isInteger(mensaje.hasta)) this.cubrir(mensaje.hasta);
      this.revisarHueco(); // an answer cut at the server's limit: ask for the rest
    } else if (mensaje.type === "posible_perdida") {
      this.pedirReenvio();
    } else if (esNotificacion(mensaje) && !this.anotar(mensaje)) {
      return;
    }
    this.alMensaje(mensaje, !mensaje.replay || !(mensaje.secuencia <= this.contiguaAlCargar));
  }

  // The server's latest sequence when the socket opened: the replay that follows brings
  // every notification up to it the page is to see (unread ones, newer ones, at most
  // the server's limit); the rest it leaves out on purpose. Holes count from here.
  alSaludar(secuencia) {
    if (secuencia < this.mayorVista) {
      // Behind what we saw: the server's history was reset (a new database).
      this.vistas.clear();
      this.contiguaAlCargar = Math.min(this.contiguaAlCargar, secuencia);
    }
    this.mayorVista = secuencia;
    this.guardarSecuencia(secuencia);
  }

  // Record a notification; return false if this page handled it already (a replay and
  // a live push, or two replays, may bring the same one: the first wins).
  anotar(mensaje) {
    const secuencia = mensaje.secuencia;
    if (!Number.isInteger(secuencia)) {
      const clave = "id:" + mensaje.id; // a server without sequences
      if (this.vistas.has(clave)) return false;
      this.vistas.add(clave);
      return true;
    }
    if (this.vistas.has(secuencia)) return false;
    this.vistas.add(secuencia);
    this.mayorVista = Math.max(this.mayorVista, secuencia);
    this.cubrir(this.contigua);
    this.revisarHueco();
    return true;
  }

  // Everything up to `hasta` is accounted for: move the mark there, and on over the
  // sequences already handled right after it.
  cubrir(hasta) {
    let contigua = Math.max(this.contigua, hasta);
    while (this.vistas.has(contigua + 1)) contigua += 1;
    this.mayorVista = Math.max(this.mayorVista, contigua);
    if (contigua !== this.contigua) this.guardarSecuencia(contigua);
  }

  revisarHueco() {
    if (this.mayorVista > this.contigua) this.pedirReenvio();
  }

  // Ask for every notification after the mark; the answer ends with reenvio_completo.
  // Without a socket there is no need: the next connect resumes from the mark.
  pedirReenvio() {
    if (!this.pidiendo) this.pidiendo = this.enviar({ action: "reenviar", despues_de: this.contigua });
  }

  leerSecuencia() {
    try {
      const valor = parseInt(this.almacen.getItem(this.clave) || "0", 10);
      return Number.isFinite(valor) && valor > 0 ? valor : 0;
    } catch (error) {
      return 0;
    }
  }

  guardarSecuencia(secuencia) {
    this.contigua = secuencia;
    try {
      this.almacen.setItem(this.clave, String(secuencia));
    } catch (error) {
      // Storage full or disabled: we still resume from memory while the page lives.
    }
  }
}
