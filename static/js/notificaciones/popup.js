// Popups for live notifications, cloned from the <template id="plantilla-notificacion">
// in base.html, into its region <div id="notificaciones-popups">. Server text goes in
// through textContent only. At most a few stay stacked at the bottom of the screen (fewer
// on a phone), so they never cover the page's controls; Escape closes the newest.
import { dinero, hora as horaDe } from "../formato.js";

const MAX_POPUPS = 3;
const MAX_POPUPS_TELEFONO = 2;
const POPUP_MS = 15000;

export class Popups {
  // alElegir(id): the user clicked a popup (or pressed Enter/Space on it).
  constructor(documento, { alElegir }) {
    this.doc = documento;
    this.alElegir = alElegir;
    this.plantilla = documento.getElementById("plantilla-notificacion");
    this.contenedor = this.crearContenedor();
    this.temporizadores = new WeakMap();
    this.telefono = documento.defaultView?.matchMedia?.("(max-width: 600px)");
    documento.addEventListener("keydown", (evento) => {
      if (evento.key === "Escape" && this.contenedor.firstElementChild) this.contenedor.firstElementChild.remove();
    });
  }

  maximo() {
    return this.telefono && this.telefono.matches ? MAX_POPUPS_TELEFONO : MAX_POPUPS;
  }

  crearContenedor() {
    let region = this.doc.getElementById("notificaciones-popups");
    if (!region) {
      region = this.doc.createElement("div");
      region.id = "notificaciones-popups";
      region.className = "popups";
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", "Avisos en vivo");
      region.setAttribute("aria-live", "polite");
      region.setAttribute("aria-relevant", "additions");
      this.doc.body.appendChild(region);
    }
    return region;
  }

  mostrar(mensaje) {
    const popup = this.plantilla.content.firstElementChild.cloneNode(true);
    popup.classList.add("popup-" + String(mensaje.type).replace(/[^a-z_]/g, ""));
    popup.dataset.notificacion = String(mensaje.id);
    popup.querySelector(".popup-titulo").textContent = String(mensaje.titulo || "");
    this.rellenar(popup.querySelector(".popup-mensaje"), mensaje.mensaje ? String(mensaje.mensaje) : null);
    const hayMonto = mensaje.monto !== undefined && mensaje.monto !== null;
    this.rellenar(popup.querySelector(".popup-monto"), hayMonto ? dinero(mensaje.monto) : null);
    // A <time> made here: an empty one in the inert <template> would not be valid HTML.
    const texto = mensaje.timestamp ? horaDe(mensaje.timestamp) : "";
    if (texto) {
      const horaEl = this.doc.createElement("time");
      horaEl.dateTime = String(mensaje.timestamp);
      horaEl.textContent = texto;
      popup.querySelector(".popup-hora").appendChild(horaEl);
    } else popup.querySelector(".popup-hora").remove();

    popup.querySelector(".popup-cerrar").addEventListener("click", (evento) => {
      evento.stopPropagation();
      popup.remove();
    });
    popup.addEventListener("click", () => this.alElegir(mensaje.id));
    popup.addEventListener("keydown", (evento) => {
      if (evento.key === "Enter" || evento.key === " ") {
        evento.preventDefault();
        this.alElegir(mensaje.id);
      }
    });
    // Hovering or focusing a popup keeps it on screen while the seller reads it.
    const pausar = () => {
      this.cancelarSalida(popup);
      popup.classList.remove("saliendo");
    };
    popup.addEventListener("mouseenter", pausar);
    popup.addEventListener("focusin", pausar);
    popup.addEventListener("mouseleave", () => this.programarSalida(popup));
    popup.addEventListener("focusout", () => this.programarSalida(popup));

    this.contenedor.prepend(popup);
    while (this.contenedor.children.length > this.maximo()) this.contenedor.lastElementChild.remove();
    this.programarSalida(popup);
  }

  // A line with text, or none at all (the template has every line a popup may show).
  rellenar(elemento, texto) {
    if (texto === null) elemento.remove();
    else elemento.textContent = texto;
  }

  programarSalida(popup) {
    this.cancelarSalida(popup);
    this.temporizadores.set(popup, [
      setTimeout(() => popup.classList.add("saliendo"), POPUP_MS - 600),
      setTimeout(() => popup.remove(), POPUP_MS),
    ]);
  }

  cancelarSalida(popup) {
    (this.temporizadores.get(popup) || []).forEach(clearTimeout);
  }

  quitarTodos() {
    this.contenedor.querySelectorAll(".popup").forEach((popup) => popup.remove());
  }

  quitar(id) {
    this.contenedor.querySelectorAll(".popup").forEach((popup) => {
      if (popup.dataset.notificacion === String(id)) popup.remove();
    });
  }
}
