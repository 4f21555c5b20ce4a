// The product form's photos, live: each imagen_procesada push (dispatched by
// notificaciones.js as "mitienda:notificacion") for a photo listed here updates its
// state, reason and thumbnail without a reload. The states' labels come from the page
// (json_script "estados-fotos"); server text goes in through textContent only.
(function () {
  "use strict";
  const seccion = document.getElementById("fotos");
  if (!seccion) return;
  const fuente = document.getElementById("estados-fotos");
  const textos = fuente ? JSON.parse(fuente.textContent) : {};

  window.addEventListener("mitienda:notificacion", (evento) => {
    const mensaje = evento.detail || {};
    if (mensaje.type !== "imagen_procesada" || !Number.isInteger(mensaje.imagen_id)) return;
    const item = seccion.querySelector('li[data-imagen="' + Number(mensaje.imagen_id) + '"]');
    if (!item) return;
    item.dataset.estado = String(mensaje.estado || "");
    const estado = item.querySelector(".foto-estado");
    if (estado) estado.textContent = String(textos[mensaje.estado] || mensaje.titulo || "");
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
