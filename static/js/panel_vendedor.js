// Seller dashboard, live: each nueva_venta notification (dispatched by
// notificaciones.js as a "mitienda:notificacion" event; one per paid order, with this
// seller's lines) adds the order to the latest sales and updates each line's product
// stock. Text goes in with textContent only.
// A module (panel_vendedor.html), for the shop's one clock and money format.
import { dinero, fechaIso } from "./formato.js";

(function () {
  "use strict";
  const panel = document.getElementById("panel-vendedor");
  if (!panel) return;
  const MAX_FILAS = 20;
  // The page was rendered with every notification up to this sequence already applied.
  const ultimaAlRenderizar = parseInt(panel.dataset.ultimaSecuencia || "0", 10) || 0;
  const stockAplicado = new Map(); // producto_id -> sequence of the notification that set its stock
  const estado = document.getElementById("estado-conexion");
  const tbody = document.getElementById("ventas-tbody");

  // The column names, for the cards a phone shows instead of the table (tienda.css).
  const columnas = Array.from(tbody.closest("table").querySelectorAll("thead th"), (th) => th.textContent);

  function celda(texto) {
    const td = document.createElement("td");
    td.textContent = texto;
    return td;
  }

  function agregarVenta(venta) {
    const ventaId = Number(venta.venta_id);
    if (!Number.isInteger(ventaId) || tbody.querySelector(`tr[data-venta="${ventaId}"]`)) return;
    tbody.querySelectorAll("tr.vacio").forEach((fila) => fila.remove());
    const fila = document.createElement("tr");
    fila.dataset.venta = String(ventaId);
    fila.className = "nueva";
    const numero = document.createElement("td");
    const enlace = document.createElement("a");
    enlace.href = `/ventas/${ventaId}/`;
    enlace.textContent = String(venta.numero || ventaId);
    numero.appendChild(enlace);
    fila.append(
      numero,
      celda(String(venta.producto ?? "")),
      celda(String(venta.cantidad ?? "")),
      celda(dinero(venta.monto)),
      celda("Pagada"),
      celda(fechaIso(venta.timestamp)),
    );
    Array.from(fila.children).forEach((td, i) => {
      if (columnas[i]) td.dataset.label = columnas[i];
    });
    fila.children[4].className = "estado"; // estado_ventas.js updates it on each venta_actualizada
    tbody.prepend(fila);
    while (tbody.children.length > MAX_FILAS) tbody.lastElementChild.remove();
  }

  function actualizarStock(venta, linea) {
    const productoId = Number(linea.producto_id);
    const stock = Number(linea.stock);
    if (!Number.isInteger(productoId) || !Number.isInteger(stock)) return;
    // Sales may arrive out of order (a hole filled late, a replay): the newest wins.
    // The sequence is the seller's commit order, so it is the order the stock changed.
    if ((stockAplicado.get(productoId) || 0) > venta.secuencia) return;
    stockAplicado.set(productoId, venta.secuencia);
    const fila = panel.querySelector(`tr[data-producto="${productoId}"]`);
    if (!fila) return;
    const celdaStock = fila.querySelector(".stock");
    celdaStock.textContent = String(stock);
    celdaStock.classList.toggle("bajo", stock < (parseInt(fila.dataset.minimo, 10) || 0));
    celdaStock.classList.remove("cambio");
    void celdaStock.offsetWidth; // restart the highlight animation
    celdaStock.classList.add("cambio");
  }

  window.addEventListener("mitienda:notificacion", (evento) => {
    const mensaje = evento.detail;
    if (!mensaje || mensaje.type !== "nueva_venta" || !(mensaje.secuencia > ultimaAlRenderizar)) return;
    agregarVenta(mensaje);
    (Array.isArray(mensaje.lineas) ? mensaje.lineas : [mensaje]).forEach((linea) => actualizarStock(mensaje, linea));
  });

  window.addEventListener("mitienda:conexion", (evento) => {
    const conectado = Boolean(evento.detail && evento.detail.conectado);
    estado.textContent = conectado ? "En vivo" : "Reconectando…";
    estado.classList.toggle("conectado", conectado);
  });
})();
