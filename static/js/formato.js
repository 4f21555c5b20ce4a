// One clock and one money format for every script: the shop's locale, time zone and
// currency come from the server on <html data-idioma data-zona data-moneda> (base.html),
// so a time shown live reads like the ones the server rendered (myproject/templatetags/
// tienda.py: "2026-12-01 14:12", 24-hour, in TIME_ZONE) whatever zone the browser is in.
const raiz = document.documentElement;
export const IDIOMA = raiz.dataset.idioma || "es-MX";
export const ZONA = raiz.dataset.zona || "America/Mexico_City";
export const MONEDA = raiz.dataset.moneda || "MXN";

const partesFecha = new Intl.DateTimeFormat(IDIOMA, {
  timeZone: ZONA,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const soloHora = new Intl.DateTimeFormat(IDIOMA, { timeZone: ZONA, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
// "$6,637.90" as Django's localisation prints it (the currency code is added where it matters).
const importe = new Intl.NumberFormat(IDIOMA, { style: "currency", currency: MONEDA, currencyDisplay: "narrowSymbol" });

function aFecha(valor) {
  const fecha = valor instanceof Date ? valor : new Date(valor);
  return isNaN(fecha) ? null : fecha;
}

// "2026-12-01 14:12" in the shop's zone, as table cells show it.
export function fechaIso(valor) {
  const fecha = aFecha(valor);
  if (!fecha) return "";
  const p = Object.fromEntries(partesFecha.formatToParts(fecha).map((parte) => [parte.type, parte.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// "14:12" in the shop's zone.
export function hora(valor) {
  const fecha = aFecha(valor);
  return fecha ? soloHora.format(fecha) : "";
}

// "$6,637.90"; a value that is not a number comes back as it was sent.
export function dinero(valor) {
  const numero = Number(valor);
  return valor === null || valor === undefined || valor === "" || !Number.isFinite(numero)
    ? String(valor ?? "")
    : importe.format(numero);
}
