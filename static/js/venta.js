// Follow an order without reloading: its state (pending payment → paid, declined or
// expired) and, once paid, its slow work (invoice, email). Each `venta_actualizada`
// notification for this order (dispatched by notificaciones.js as a
// "mitienda:notificacion" event) makes the page fetch the JSON status at once; a poll
// with a growing delay covers a lost socket and stops when there is nothing left to wait for.
(function () {
  "use strict";
  const venta = document.getElementById("venta");
  if (!venta) return;
  const url = venta.dataset.estadoUrl;
  const ventaId = Number(venta.dataset.ventaId);
  const PENDIENTE = "pendiente_pago";
  const PAGADOS = ["pagada", "preparada", "enviada", "entregada"];
  let espera = 500;
  let temporizador = null;

  function marcar(paso, hecho) {
    const li = document.getElementById(paso);
    li.classList.toggle("hecho", hecho);
    li.classList.toggle("pendiente", !hecho);
    li.querySelectorAll(".espera").forEach((el) => { el.hidden = hecho; });
    li.querySelectorAll(".listo, a").forEach((el) => { el.hidden = !hecho; });
  }

  // The shop's one clock and format, as the server prints it (|fecha_iso): "2026-12-01 14:12".
  const PARTES = new Intl.DateTimeFormat("en-CA", {
    timeZone: document.documentElement.dataset.zona || "America/Mexico_City",
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  function fechaIso(fecha) {
    const p = Object.fromEntries(PARTES.formatToParts(fecha).map((parte) => [parte.type, parte.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  }

  // The fulfilment timeline: each step done once its date is known; carrier and tracking once shipped.
  function seguimiento(estado) {
    const linea = document.getElementById("venta-linea-tiempo");
    if (!linea || !estado.fechas) return;
    linea.hidden = !(PAGADOS.includes(estado.estado) || estado.estado === "cancelada");
    Object.entries(estado.fechas).forEach(([paso, cuando]) => {
      const li = linea.querySelector(`li[data-paso="${paso}"]`);
      if (!li) return;
      li.classList.toggle("hecho", Boolean(cuando));
      if (paso === "cancelada") li.hidden = !cuando;
      const caja = li.querySelector(".cuando");
      caja.replaceChildren();
      if (cuando) {
        const hora = document.createElement("time");
        hora.dateTime = cuando;
        hora.textContent = fechaIso(new Date(cuando));
        caja.append(hora);
      }
    });
    document.getElementById("venta-guia").textContent = estado.guia ? `${estado.transportista} · guía ${estado.guia}` : "";
    const cancelar = document.getElementById("venta-cancelar");
    if (cancelar) cancelar.hidden = !estado.cancelable;
  }

  function mostrar(estado) {
    venta.dataset.estado = estado.estado;
    document.getElementById("venta-estado").textContent = estado.estado_texto;
    // The payment's note lives in the payment section (templates/pagos/_pago_venta.html).
    const nota = document.querySelector("[data-pago-nota]");
    if (nota) nota.textContent = estado.nota || "";
    const pagada = PAGADOS.includes(estado.estado);
    document.getElementById("venta-progreso").hidden = !pagada;
    seguimiento(estado);
    marcar("paso-factura", Boolean(estado.factura_url));
    marcar("paso-email", estado.email_enviado);
    venta.dispatchEvent(new CustomEvent("mitienda:venta", { detail: estado, bubbles: true }));
    // Nothing left to wait for: settled without payment, or paid with invoice and email done.
    return !(estado.estado === PENDIENTE || (pagada && !(estado.factura_url && estado.email_enviado)));
  }

  async function revisar() {
    clearTimeout(temporizador);
    try {
      const respuesta = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (respuesta.ok && mostrar(await respuesta.json())) return;
    } catch (error) {
      // Network hiccup: try again later.
    }
    espera = Math.min(espera * 1.5, 10000);
    temporizador = setTimeout(revisar, espera);
  }

  window.addEventListener("mitienda:notificacion", (evento) => {
    const mensaje = evento.detail;
    if (mensaje && mensaje.type === "venta_actualizada" && Number(mensaje.venta_id) === ventaId) {
      espera = 500;
      revisar();
    }
  });

  const terminada = venta.dataset.estado !== PENDIENTE && !document.querySelector("#venta-progreso:not([hidden]) .pendiente");
  if (!terminada) temporizador = setTimeout(revisar, espera);
})();
