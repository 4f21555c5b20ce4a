// The product form's photos, live: each imagen_procesada push (dispatched by
// notificaciones.js as "mitienda:notificacion") updates its photo's state, reason and
// thumbnail without a reload. Server text goes in through textContent only.
(function () {
  "use strict";
  const seccion = document.getElementById("fotos");
  if (!seccion) return;
  const productoId = Number(seccion.dataset.producto);

  window.addEventListener("mitienda:notificacion", (evento) => {
    const mensaje = evento.detail || {};
    if (mensaje.type !== "imagen_procesada" || Number(mensaje.producto_id) !== productoId) return;
    const item = seccion.querySelector('li[data-imagen="' + Number(mensaje.imagen_id) + '"]');
    if (!item) return;
    item.dataset.estado = String(mensaje.estado || "");
    const estado = item.querySelector(".foto-estado");
    if (estado) estado.textContent = String(mensaje.estado_texto || mensaje.titulo || "");
    const motivo = item.querySelector(".foto-motivo");
    if (motivo) motivo.textContent = mensaje.estado === "lista" ? "" : String(mensaje.mensaje || "");
    if (typeof mensaje.url_thumbnail === "string" && mensaje.url_thumbnail.startsWith("/")) {
      let imagen = item.querySelector("img");
      if (!imagen) {
        imagen = document.createElement("img");
        imagen.alt = "";
        imagen.width = 150;
        imagen.height = 150;
        item.prepend(imagen);
      }
      imagen.src = mensaje.url_thumbnail;
    }
  });
})();
