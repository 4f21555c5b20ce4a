// Live notifications for a logged-in user over the WebSocket ws/notificaciones/.
// Protocol and guarantees: docs/notificaciones.md. No framework, no innerHTML: every
// piece of server text reaches the page through textContent.
(function () {
  "use strict";

  const BASE_MS = 500; // first reconnect waits up to this long…
  const TOPE_MS = 30000; // …doubling each failure up to this cap (full jitter below it)
  const PING_MS = 25000; // keep idle proxies from dropping us; detect a dead socket
  const DEMASIADAS_CONEXIONES = 4429; // the user has too many sockets open (other tabs, devices)
  const MAX_POPUPS = 5;
  const POPUP_MS = 15000;
  const CLAVE_SILENCIO = "mitienda:notificaciones:silencio";

  class SistemaNotificaciones {
    constructor({ usuarioId, url = null, documento = document, almacen = window.sessionStorage } = {}) {
      this.usuarioId = String(usuarioId);
      this.doc = documento;
      this.almacen = almacen;
      this.claveUltimo = "mitienda:notificaciones:ultimo:" + this.usuarioId;
      this.url = url || SistemaNotificaciones.urlPorDefecto();
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
      this.audio = null;
      this.ultimoSonido = 0;
      this.detenido = false;
      this.tituloOriginal = this.doc.title;
      this.insignia = this.doc.getElementById("notificaciones-no-leidas");
      this.contenedor = this.crearContenedor();
      this.prepararBotonSonido();
    }

    static urlPorDefecto() {
      const esquema = window.location.protocol === "https:" ? "wss:" : "ws:";
      return esquema + "//" + window.location.host + "/ws/notificaciones/";
    }

    // Connection and reconnection -------------------------------------------

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
        this.avisarConexion(true);
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
        if (mensaje && typeof mensaje === "object") this.manejar(mensaje);
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
      clearInterval(this.ping);
      this.avisarConexion(false);
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

    avisarConexion(conectado) {
      window.dispatchEvent(new CustomEvent("mitienda:conexion", { detail: { conectado } }));
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

    // Messages ---------------------------------------------------------------

    manejar(mensaje) {
      const id = mensaje.id;
      const esNotificacion = Number.isInteger(id) && !["notificacion_leida", "error", "pong"].includes(mensaje.type);
      if (esNotificacion) {
        if (this.vistos.has(id)) return; // already handled on this page
        this.vistos.add(id);
        if (id > this.ultimoId) this.guardarUltimoId(id);
      }
      switch (mensaje.type) {
        case "connection_established":
          this.actualizarInsignia(mensaje.no_leidas);
          break;
        case "notificacion_leida":
          this.actualizarInsignia(mensaje.no_leidas);
          this.quitarPopup(id);
          break;
        case "error":
          console.warn("Notificaciones:", mensaje.mensaje);
          break;
        case "pong":
          break;
        default:
          if (!esNotificacion) break;
          if (typeof mensaje.no_leidas === "number") this.actualizarInsignia(mensaje.no_leidas);
          if (!mensaje.leida && (!mensaje.replay || id > this.ultimoIdAlCargar)) {
            this.mostrarPopup(mensaje);
            this.sonar();
          }
      }
      window.dispatchEvent(new CustomEvent("mitienda:notificacion", { detail: mensaje }));
    }

    marcarLeida(id) {
      // While offline the popup stays, so the click can be repeated once we are back.
      if (this.enviar({ action: "marcar_leida", notificacion_id: id })) this.quitarPopup(id);
    }

    leerUltimoId() {
      try {
        const valor = parseInt(this.almacen.getItem(this.claveUltimo) || "0", 10);
        return Number.isFinite(valor) && valor > 0 ? valor : 0;
      } catch (error) {
        return 0;
      }
    }

    guardarUltimoId(id) {
      this.ultimoId = id;
      try {
        this.almacen.setItem(this.claveUltimo, String(id));
      } catch (error) {
        // Storage full or disabled: we still resume from memory while the page lives.
      }
    }

    // Page -------------------------------------------------------------------

    crearContenedor() {
      let region = this.doc.getElementById("notificaciones-popups");
      if (!region) {
        region = this.doc.createElement("div");
        region.id = "notificaciones-popups";
        region.className = "popups";
        region.setAttribute("aria-live", "polite");
        region.setAttribute("aria-relevant", "additions");
        region.setAttribute("aria-label", "Notificaciones");
        this.doc.body.appendChild(region);
      }
      return region;
    }

    mostrarPopup(mensaje) {
      const popup = this.doc.createElement("article");
      popup.className = "popup popup-" + String(mensaje.type).replace(/[^a-z_]/g, "");
      popup.dataset.notificacion = String(mensaje.id);
      popup.tabIndex = 0;
      popup.title = "Clic para marcar como leída";

      const titulo = this.doc.createElement("strong");
      titulo.className = "popup-titulo";
      titulo.textContent = String(mensaje.titulo || "");
      popup.appendChild(titulo);

      if (mensaje.mensaje) {
        const texto = this.doc.createElement("p");
        texto.className = "popup-mensaje";
        texto.textContent = String(mensaje.mensaje);
        popup.appendChild(texto);
      }
      if (mensaje.monto !== undefined && mensaje.monto !== null) {
        const monto = this.doc.createElement("p");
        monto.className = "popup-monto";
        monto.textContent = "$" + String(mensaje.monto);
        popup.appendChild(monto);
      }
      const hora = this.doc.createElement("time");
      hora.className = "popup-hora";
      if (mensaje.timestamp) {
        hora.dateTime = String(mensaje.timestamp);
        const fecha = new Date(mensaje.timestamp);
        hora.textContent = isNaN(fecha) ? "" : fecha.toLocaleTimeString("es-MX", { hour: "2-digit", minute: "2-digit" });
      }
      popup.appendChild(hora);

      const cerrar = this.doc.createElement("button");
      cerrar.type = "button";
      cerrar.className = "popup-cerrar";
      cerrar.setAttribute("aria-label", "Cerrar sin marcar como leída");
      cerrar.textContent = "×";
      cerrar.addEventListener("click", (evento) => {
        evento.stopPropagation();
        popup.remove();
      });
      popup.appendChild(cerrar);

      popup.addEventListener("click", () => this.marcarLeida(mensaje.id));
      popup.addEventListener("keydown", (evento) => {
        if (evento.key === "Enter" || evento.key === " ") {
          evento.preventDefault();
          this.marcarLeida(mensaje.id);
        }
      });

      this.contenedor.prepend(popup);
      while (this.contenedor.children.length > MAX_POPUPS) this.contenedor.lastElementChild.remove();
      this.programarSalida(popup);
      // Hovering or focusing a popup keeps it on screen while the seller reads it.
      const pausar = () => {
        clearTimeout(popup._salida);
        clearTimeout(popup._quitar);
        popup.classList.remove("saliendo");
      };
      popup.addEventListener("mouseenter", pausar);
      popup.addEventListener("focusin", pausar);
      popup.addEventListener("mouseleave", () => this.programarSalida(popup));
      popup.addEventListener("focusout", () => this.programarSalida(popup));
    }

    programarSalida(popup) {
      clearTimeout(popup._salida);
      clearTimeout(popup._quitar);
      popup._salida = setTimeout(() => popup.classList.add("saliendo"), POPUP_MS - 600);
      popup._quitar = setTimeout(() => popup.remove(), POPUP_MS);
    }

    quitarPopup(id) {
      this.contenedor.querySelectorAll(".popup").forEach((popup) => {
        if (popup.dataset.notificacion === String(id)) popup.remove();
      });
    }

    actualizarInsignia(noLeidas) {
      if (typeof noLeidas !== "number" || !this.insignia) return;
      const n = Math.max(0, Math.floor(noLeidas));
      this.insignia.textContent = String(n);
      this.insignia.dataset.noLeidas = String(n);
      this.insignia.classList.toggle("vacia", n === 0);
      this.insignia.setAttribute("aria-label", n === 1 ? "1 notificación sin leer" : n + " notificaciones sin leer");
      this.doc.title = (n > 0 ? "(" + n + ") " : "") + this.tituloOriginal;
    }

    // Sound: a short WebAudio beep, no file; muted state persists per browser.

    get silenciado() {
      try {
        return window.localStorage.getItem(CLAVE_SILENCIO) === "1";
      } catch (error) {
        return false;
      }
    }

    set silenciado(valor) {
      try {
        window.localStorage.setItem(CLAVE_SILENCIO, valor ? "1" : "0");
      } catch (error) {
        // ignore: the toggle then lasts for this page only
      }
      this.pintarBotonSonido();
    }

    prepararBotonSonido() {
      this.botonSonido = this.doc.getElementById("notificaciones-sonido");
      if (!this.botonSonido) return;
      this.botonSonido.hidden = false;
      this.botonSonido.addEventListener("click", () => {
        this.silenciado = !this.silenciado;
        if (!this.silenciado) this.sonar(true);
      });
      this.pintarBotonSonido();
      // Browsers start audio only after a user gesture: unlock it on the first one.
      const desbloquear = () => {
        const contexto = this.contextoAudio();
        if (contexto && contexto.state === "suspended") contexto.resume().catch(() => {});
      };
      this.doc.addEventListener("pointerdown", desbloquear, { once: true });
      this.doc.addEventListener("keydown", desbloquear, { once: true });
    }

    pintarBotonSonido() {
      if (!this.botonSonido) return;
      const silencio = this.silenciado;
      this.botonSonido.setAttribute("aria-pressed", silencio ? "true" : "false");
      this.botonSonido.setAttribute("aria-label", silencio ? "Activar sonido de avisos" : "Silenciar avisos");
      this.botonSonido.title = this.botonSonido.getAttribute("aria-label");
    }

    contextoAudio() {
      if (!this.audio) {
        const Contexto = window.AudioContext || window.webkitAudioContext;
        if (!Contexto) return null;
        try {
          this.audio = new Contexto();
        } catch (error) {
          return null;
        }
      }
      return this.audio;
    }

    sonar(forzar = false) {
      if (this.silenciado && !forzar) return;
      const ahora = Date.now();
      if (ahora - this.ultimoSonido < 1000) return; // one beep for a burst of replays
      this.ultimoSonido = ahora;
      const contexto = this.contextoAudio();
      if (!contexto || contexto.state !== "running") return;
      const t = contexto.currentTime;
      const oscilador = contexto.createOscillator();
      const volumen = contexto.createGain();
      oscilador.type = "sine";
      oscilador.frequency.setValueAtTime(880, t);
      oscilador.frequency.setValueAtTime(1320, t + 0.09);
      volumen.gain.setValueAtTime(0.0001, t);
      volumen.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
      volumen.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
      oscilador.connect(volumen).connect(contexto.destination);
      oscilador.start(t);
      oscilador.stop(t + 0.26);
    }
  }

  window.SistemaNotificaciones = SistemaNotificaciones;

  function iniciar() {
    const usuarioId = document.body.dataset.usuario;
    if (!usuarioId || !("WebSocket" in window)) return;
    const sistema = new SistemaNotificaciones({ usuarioId });
    window.mitiendaNotificaciones = sistema;
    window.addEventListener("online", () => sistema.reconectarYa());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") sistema.reconectarYa();
    });
    sistema.conectar();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", iniciar);
  else iniciar();
})();
