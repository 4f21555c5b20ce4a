// The nav badge with the unread count, and the count in the tab's title. Every tab
// keeps its own socket and the server sends the count with each change (a new
// notification, one marked read in any tab), so all tabs show the same number.

export class Insignia {
  constructor(documento) {
    this.doc = documento;
    this.elemento = documento.getElementById("notificaciones-no-leidas");
    this.tituloOriginal = documento.title;
  }

  actualizar(noLeidas) {
    if (typeof noLeidas !== "number" || !this.elemento) return;
    const n = Math.max(0, Math.floor(noLeidas));
    this.elemento.textContent = String(n);
    this.elemento.dataset.noLeidas = String(n);
    this.elemento.classList.toggle("vacia", n === 0);
    // The words after the number are a visually-hidden span in base.html (no aria-label on a span).
    const texto = this.elemento.nextElementSibling;
    if (texto && texto.classList.contains("oculto")) texto.textContent = n === 1 ? " notificación sin leer" : " notificaciones sin leer";
    this.doc.title = (n > 0 ? "(" + n + ") " : "") + this.tituloOriginal;
  }
}
