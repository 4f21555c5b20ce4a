// Follow a sale's slow work (invoice, email) until it is done, without reloading.
// Polls the JSON status with a growing delay and stops when everything is ready.
(function () {
  "use strict";
  const venta = document.getElementById("venta");
  if (!venta) return;
  const url = venta.dataset.estadoUrl;
  let espera = 500;

  function marcar(paso, hecho) {
    const li = document.getElementById(paso);
    li.classList.toggle("hecho", hecho);
    li.classList.toggle("pendiente", !hecho);
    li.querySelectorAll(".espera").forEach((el) => { el.hidden = hecho; });
    li.querySelectorAll(".listo, a").forEach((el) => { el.hidden = !hecho; });
  }

  async function revisar() {
    try {
      const respuesta = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (respuesta.ok) {
        const estado = await respuesta.json();
        marcar("paso-factura", Boolean(estado.factura_url));
        marcar("paso-email", estado.email_enviado);
        if (estado.factura_url && estado.email_enviado) return;
      }
    } catch (error) {
      // Network hiccup: try again later.
    }
    espera = Math.min(espera * 1.5, 10000);
    setTimeout(revisar, espera);
  }

  if (document.querySelector("#venta .pendiente")) setTimeout(revisar, espera);
})();
