// Tables of orders ("Mis compras", the seller dashboard), live: each venta_actualizada
// notification (dispatched by notificaciones.js as "mitienda:notificacion") updates the
// state cell of its order's row, with the carrier and tracking number once shipped.
(function () {
  "use strict";
  const tbody = document.getElementById("ventas-tbody");
  if (!tbody) return;
  const aplicada = new Map(); // venta_id -> sequence of the notification shown

  window.addEventListener("mitienda:notificacion", (evento) => {
    const mensaje = evento.detail;
    if (!mensaje || mensaje.type !== "venta_actualizada") return;
    const ventaId = Number(mensaje.venta_id);
    if (!Number.isInteger(ventaId) || (aplicada.get(ventaId) || 0) > mensaje.secuencia) return;
    const celda = tbody.querySelector(`tr[data-venta="${ventaId}"] .estado`);
    if (!celda) return;
    aplicada.set(ventaId, mensaje.secuencia);
    const guia = mensaje.guia ? ` · ${mensaje.transportista}, guía ${mensaje.guia}` : "";
    celda.textContent = `${mensaje.estado_texto || mensaje.estado}${guia}`;
  });
})();
