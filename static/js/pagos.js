// Card payments with Stripe.js (Stripe's in production, localstripe's mock locally).
// A plain script, loaded after Stripe.js (both deferred): no inline code, the CSP forbids it.
//
// Checkout ([data-pago-tarjeta] inside the form): Stripe.js mounts its card element; on
// submit the card becomes a PaymentMethod id (or, with the mock, a card id from
// createToken) in the hidden metodo_pago field, then the form is sent. The card number
// never reaches our server. Errors are shown with textContent.
//
// Sale page ([data-pago-venta]): while the order waits for the payment, follow its status;
// when the bank asks for 3-D Secure, the button opens it (handleNextAction, or
// confirmCardPayment where the mock has no handleNextAction) and then tells our server,
// which settles the order in the worker.
(function () {
  "use strict";

  function crearStripe(clave) {
    if (typeof window.Stripe !== "function") return null;
    return window.Stripe(clave);
  }

  function mostrar(elemento, texto) {
    if (!elemento) return;
    elemento.textContent = texto || "";
    elemento.hidden = !texto;
  }

  // --- checkout -----------------------------------------------------------------
  async function metodoDePago(stripe, tarjeta) {
    // Stripe's own API first; localstripe's mock returns undefined from it.
    const creado = await stripe.createPaymentMethod({ type: "card", card: tarjeta });
    if (creado && creado.paymentMethod) return { id: creado.paymentMethod.id };
    if (creado && creado.error) return { error: creado.error };
    const token = await stripe.createToken(tarjeta);
    if (token && token.token && token.token.card) return { id: token.token.card.id };
    return { error: (token && token.error) || {} };
  }

  function iniciarTarjeta(caja) {
    const form = caja.closest("form");
    const campo = caja.querySelector("input[name=metodo_pago]");
    const error = caja.querySelector("[data-tarjeta-error]");
    const stripe = crearStripe(caja.dataset.clavePublica);
    if (!form || !campo) return;
    if (!stripe) {
      mostrar(error, "No se pudo cargar el formulario de pago. Recarga la página.");
      return;
    }
    const tarjeta = stripe.elements().create("card");
    tarjeta.mount(caja.querySelector("[data-tarjeta-elemento]"));
    let enviando = false;
    form.addEventListener("submit", async (evento) => {
      if (campo.value) return; // already turned into an id (or given without a browser)
      evento.preventDefault();
      if (enviando) return;
      enviando = true;
      mostrar(error, "");
      try {
        const resultado = await metodoDePago(stripe, tarjeta);
        if (resultado.id) {
          campo.value = resultado.id;
          form.submit();
          return;
        }
        mostrar(error, resultado.error.message || "Revisa los datos de la tarjeta.");
      } catch (e) {
        mostrar(error, "No se pudo contactar al procesador de pagos. Inténtalo de nuevo.");
      }
      enviando = false;
    });
  }

  // --- sale page ------------------------------------------------------------------
  function iniciarVenta(caja) {
    const verificar = caja.querySelector("[data-pago-verificar]");
    const nota = caja.querySelector("[data-pago-nota]");
    const error = caja.querySelector("[data-pago-error]");
    let secreto = caja.dataset.clientSecret || "";
    let espera = 1000;

    async function seguir() {
      try {
        const respuesta = await fetch(caja.dataset.estadoUrl, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (respuesta.ok) {
          const estado = await respuesta.json();
          const pago = estado.pago || {};
          caja.dataset.estado = estado.estado;
          if (nota && typeof pago.nota === "string") nota.textContent = pago.nota;
          if (pago.client_secret) secreto = pago.client_secret;
          if (verificar) verificar.hidden = !(pago.requiere_accion && secreto);
          if (estado.estado !== "pendiente_pago") {
            if (verificar) verificar.hidden = true;
            return;
          }
        }
      } catch (e) {
        // A network hiccup: ask again later.
      }
      espera = Math.min(espera * 1.5, 10000);
      setTimeout(seguir, espera);
    }

    if (verificar) {
      verificar.addEventListener("submit", async (evento) => {
        evento.preventDefault();
        const stripe = crearStripe(caja.dataset.clavePublica);
        if (!stripe || !secreto) {
          mostrar(error, "No se pudo abrir la verificación. Recarga la página.");
          return;
        }
        const boton = verificar.querySelector("button");
        boton.disabled = true;
        mostrar(error, "");
        const resultado = stripe.handleNextAction
          ? await stripe.handleNextAction({ clientSecret: secreto })
          : await stripe.confirmCardPayment(secreto);
        if (resultado && resultado.error) {
          mostrar(error, resultado.error.message || "La verificación no se completó.");
        }
        // Either way our server asks Stripe where the payment is and settles the order.
        const token = verificar.querySelector("input[name=csrfmiddlewaretoken]").value;
        try {
          await fetch(caja.dataset.autenticadoUrl, {
            method: "POST",
            headers: { "X-CSRFToken": token, Accept: "application/json" },
            credentials: "same-origin",
          });
        } catch (e) {
          mostrar(error, "No pudimos avisar al servidor; lo revisaremos en unos minutos.");
        }
        boton.disabled = false;
        espera = 1000;
        setTimeout(seguir, espera);
      });
    }
    if (caja.dataset.estado === "pendiente_pago") setTimeout(seguir, espera);
  }

  document.querySelectorAll("[data-pago-tarjeta]").forEach(iniciarTarjeta);
  document.querySelectorAll("[data-pago-venta]").forEach(iniciarVenta);
})();
