// Warehouse page, live: each pedido_almacen notification (dispatched by
// notificaciones.js as a "mitienda:notificacion" event, with its popup and sound) puts
// the order's card in the list of its state: a new paid order appears under "Por
// preparar", a cancelled or delivered one disappears. Text goes in with textContent only.
(function () {
  "use strict";
  const panel = document.getElementById("panel-almacen");
  if (!panel) return;
  const ultimaAlRenderizar = parseInt(panel.dataset.ultimaSecuencia || "0", 10) || 0;
  const aplicada = new Map(); // venta_id -> sequence of the notification that placed its card
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const aviso = document.getElementById("almacen-aviso");
  const estadoConexion = document.getElementById("estado-conexion");
  const LISTAS = { pagada: "lista-pagada", preparada: "lista-preparada", enviada: "lista-enviada" };
  const ACCIONES = {
    pagada: ["preparar", "Marcar preparado"],
    preparada: ["enviar", "Marcar enviado"],
    enviada: ["entregar", "Marcar entregado"],
  };

  function elemento(etiqueta, texto, clase) {
    const el = document.createElement(etiqueta);
    if (texto !== undefined) el.textContent = texto;
    if (clase) el.className = clase;
    return el;
  }

  function campo(nombre, etiqueta) {
    const label = elemento("label", `${etiqueta} `);
    const input = document.createElement("input");
    input.name = nombre;
    input.required = true;
    input.maxLength = 100;
    label.appendChild(input);
    return label;
  }

  function formulario(ventaId, estado) {
    const [accion, texto] = ACCIONES[estado];
    const form = document.createElement("form");
    form.method = "post";
    form.action = `/almacen/ventas/${ventaId}/${accion}/`;
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrf;
    form.appendChild(token);
    if (accion === "enviar") {
      form.className = "form-envio";
      form.append(campo("transportista", "Transportista"), campo("guia", "Número de guía"));
    }
    const boton = elemento("button", texto);
    boton.type = "submit";
    form.appendChild(boton);
    return form;
  }

  function tarjeta(venta) {
    const ventaId = Number(venta.venta_id);
    const art = elemento("article", undefined, "tarjeta pedido-almacen nueva");
    art.dataset.venta = String(ventaId);
    art.dataset.estado = venta.estado;
    art.appendChild(elemento("h3", `Pedido ${venta.numero || ventaId}`));
    const lineas = elemento("ul", undefined, "lineas");
    (Array.isArray(venta.lineas) ? venta.lineas : []).forEach((linea) => {
      const li = elemento("li");
      li.append(elemento("strong", String(linea.cantidad)), document.createTextNode(` × ${linea.producto}`));
      lineas.appendChild(li);
    });
    art.appendChild(lineas);
    const envio = venta.envio || {};
    const direccion = elemento("p", undefined, "direccion");
    [envio.nombre, envio.direccion, `${envio.codigo_postal || ""} ${envio.ciudad || ""}`.trim(),
      envio.telefono ? `Tel. ${envio.telefono}` : ""]
      .filter(Boolean)
      .forEach((fila, i) => {
        if (i) direccion.appendChild(document.createElement("br"));
        direccion.appendChild(document.createTextNode(fila));
      });
    art.appendChild(direccion);
    if (venta.guia) art.appendChild(elemento("p", `${venta.transportista} · guía ${venta.guia}`, "guia"));
    const acciones = elemento("p", undefined, "acciones");
    const remision = elemento("a", "Remisión (PDF)");
    remision.href = `/almacen/ventas/${ventaId}/remision.pdf`;
    acciones.appendChild(remision);
    art.appendChild(acciones);
    art.appendChild(formulario(ventaId, venta.estado));
    return art;
  }

  function contar() {
    const lista = document.getElementById("lista-pagada");
    document.getElementById("cuenta-pagada").textContent = String(lista.children.length);
    document.getElementById("vacio-pagada").hidden = lista.children.length > 0;
  }

  function colocar(venta) {
    const ventaId = Number(venta.venta_id);
    if (!Number.isInteger(ventaId)) return;
    // Pushes may arrive out of order (a replay, a hole filled late): the newest wins.
    if ((aplicada.get(ventaId) || 0) > venta.secuencia) return;
    aplicada.set(ventaId, venta.secuencia);
    const actual = panel.querySelector(`article[data-venta="${ventaId}"]`);
    const lista = LISTAS[venta.estado] && document.getElementById(LISTAS[venta.estado]);
    if (actual && actual.dataset.estado === venta.estado) return;
    if (actual) actual.remove();
    if (lista && Array.isArray(venta.lineas)) {
      const nueva = tarjeta(venta);
      if (venta.estado === "pagada") lista.appendChild(nueva); // oldest first
      else lista.prepend(nueva);
    } else if (venta.estado === "cancelada" && actual) {
      aviso.textContent = `El pedido ${venta.numero} fue cancelado: no lo prepares ni lo envíes.`;
    }
    contar();
  }

  window.addEventListener("mitienda:notificacion", (evento) => {
    const mensaje = evento.detail;
    if (!mensaje || mensaje.type !== "pedido_almacen" || !(mensaje.secuencia > ultimaAlRenderizar)) return;
    colocar(mensaje);
  });

  window.addEventListener("mitienda:conexion", (evento) => {
    const conectado = Boolean(evento.detail && evento.detail.conectado);
    estadoConexion.textContent = conectado ? "En vivo" : "Reconectando…";
    estadoConexion.classList.toggle("conectado", conectado);
  });
})();
