// The alert sound: a short WebAudio beep, no file. The nav's speaker button mutes it;
// the choice persists per browser in localStorage.

const CLAVE_SILENCIO = "mitienda:notificaciones:silencio";

export class Sonido {
  constructor(documento) {
    this.doc = documento;
    this.audio = null;
    this.ultimo = 0;
    this.boton = documento.getElementById("notificaciones-sonido");
    if (this.boton) this.prepararBoton();
  }

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
    this.pintarBoton();
  }

  prepararBoton() {
    this.boton.hidden = false;
    this.boton.addEventListener("click", () => {
      this.silenciado = !this.silenciado;
      if (!this.silenciado) this.sonar(true);
    });
    this.pintarBoton();
    // Browsers start audio only after a user gesture: unlock it on the first one.
    const desbloquear = () => {
      const contexto = this.contexto();
      if (contexto && contexto.state === "suspended") contexto.resume().catch(() => {});
    };
    this.doc.addEventListener("pointerdown", desbloquear, { once: true });
    this.doc.addEventListener("keydown", desbloquear, { once: true });
  }

  pintarBoton() {
    if (!this.boton) return;
    const silencio = this.silenciado;
    this.boton.setAttribute("aria-pressed", silencio ? "true" : "false");
    this.boton.setAttribute("aria-label", silencio ? "Activar sonido de avisos" : "Silenciar avisos");
    this.boton.title = this.boton.getAttribute("aria-label");
  }

  contexto() {
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
    if (ahora - this.ultimo < 1000) return; // one beep for a burst of replays
    this.ultimo = ahora;
    const contexto = this.contexto();
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
