// Follow an uploaded image until its chord is done, without reloading.
// The notifications socket (static/js/notificaciones.js) dispatches every server
// message as a window CustomEvent "mitienda:notificacion"; an `imagen_procesada`
// for this image makes us fetch its JSON status at once. Polling with a growing
// delay is the fallback when there is no socket. Server data goes in through
// textContent and attributes only, never innerHTML.
(function () {
  "use strict";
  const raiz = document.getElementById("imagen");
  if (!raiz) return;
  const imagenId = Number(raiz.dataset.imagenId);
  const url = raiz.dataset.estadoUrl;
  const NOMBRES = { large: "Grande (1080 px)", medium: "Mediana (640 px)", thumbnail: "Miniatura (150 px)" };
  let terminada = raiz.dataset.terminada === "1";
  let espera = 1000;
  let temporizador = null;

  function el(etiqueta, texto, atributos) {
    const nodo = document.createElement(etiqueta);
    if (texto !== undefined && texto !== null) nodo.textContent = String(texto);
    Object.entries(atributos || {}).forEach(([k, v]) => nodo.setAttribute(k, v));
    return nodo;
  }

  function pintarVersiones(datos) {
    const caja = document.getElementById("imagen-versiones");
    const hay = Object.values(datos.versiones).some(Boolean);
    if (!hay) return;
    caja.replaceChildren();
    ["thumbnail", "medium", "large"].forEach((nombre) => {
      const src = datos.versiones[nombre];
      if (!src) return;
      const figura = el("figure", null, { class: "version" });
      const enlace = el("a", null, { href: src });
      enlace.appendChild(el("img", null, { src: src, alt: datos.descripcion || "", "data-version": nombre }));
      figura.appendChild(enlace);
      figura.appendChild(el("figcaption", NOMBRES[nombre] || nombre));
      caja.appendChild(figura);
    });
  }

  function pintarMetadatos(m) {
    if (!m || !m.formato) return;
    const dl = document.getElementById("imagen-metadatos");
    dl.replaceChildren();
    const filas = [];
    const camara = [m.camara_marca, m.camara_modelo].filter(Boolean).join(" ");
    if (camara) filas.push(["Cámara", camara]);
    if (m.fecha_toma) filas.push(["Fecha de la toma", m.fecha_toma]);
    filas.push(["Dimensiones", `${m.ancho} × ${m.alto} px`]);
    filas.push(["Formato", m.formato]);
    filas.forEach(([dt, dd]) => { dl.appendChild(el("dt", dt)); dl.appendChild(el("dd", dd)); });
  }

  function textoModeracion(datos) {
    const m = datos.moderacion;
    if (datos.estado === "procesando") return "Analizando…";
    if (m.contenido_seguro === true) {
      const c = m.confianza === null ? "" : ` (confianza ${Math.round(m.confianza * 100)} %)`;
      return `Contenido seguro${c}.`;
    }
    if (m.contenido_seguro === false) {
      const cats = (m.categorias || []).join(", ");
      return `No apta para publicarse${cats ? ": " + cats : ""}.`;
    }
    return `En revisión por una persona.${m.nota ? " " + m.nota : ""}`;
  }

  function pintar(datos) {
    const estado = document.getElementById("imagen-estado");
    estado.textContent = datos.estado_texto;
    estado.className = `estado estado-${datos.estado}`;
    raiz.dataset.estado = datos.estado;
    const error = document.getElementById("imagen-error");
    error.textContent = datos.error || "";
    error.hidden = !datos.error;
    pintarVersiones(datos);
    pintarMetadatos(datos.metadatos);
    document.getElementById("imagen-moderacion").textContent = textoModeracion(datos);
    const asignar = document.getElementById("imagen-asignar");
    if (asignar) asignar.hidden = !datos.usable;
    terminada = datos.terminada;
    if (terminada) raiz.dataset.terminada = "1";
  }

  async function revisar() {
    temporizador = null;
    try {
      const respuesta = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (respuesta.ok) pintar(await respuesta.json());
    } catch (error) {
      // Network hiccup: the next poll tries again.
    }
    if (!terminada) programar();
  }

  function programar() {
    if (temporizador !== null) return;
    temporizador = setTimeout(revisar, espera);
    espera = Math.min(espera * 1.6, 15000);
  }

  window.addEventListener("mitienda:notificacion", (evento) => {
    const d = evento.detail || {};
    if (d.type !== "imagen_procesada" || Number(d.imagen_id) !== imagenId) return;
    if (temporizador !== null) { clearTimeout(temporizador); temporizador = null; }
    revisar();
  });

  if (!terminada) programar();
})();
