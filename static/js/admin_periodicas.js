// Admin → Periodic tasks: under the crontab field, say in words the schedule chosen.
// django_celery_beat does this with an inline script, which our Content-Security-Policy
// does not run; this is the same behaviour from a static file, writing text, never HTML.
(function () {
  "use strict";
  const script = document.currentScript;

  document.addEventListener("DOMContentLoaded", () => {
    const datos = document.getElementById("readable-crontabs");
    const campo = document.querySelector(".field-crontab");
    const selector = document.getElementById("id_crontab");
    const traduccion = document.querySelector(".field-crontab_translation");
    if (traduccion) traduccion.style.display = "none";
    if (!datos || !campo || !selector) return;
    const legibles = JSON.parse(datos.textContent);
    const ayudaOriginal = script.dataset.ayuda || "";

    campo.addEventListener("change", () => {
      const ayuda = campo.querySelector(".help");
      if (!ayuda) return;
      ayuda.textContent = ayudaOriginal;
      ayuda.appendChild(document.createElement("br"));
      ayuda.appendChild(document.createTextNode("Translation: " + (legibles[selector.value] || "")));
    });
  });
})();
