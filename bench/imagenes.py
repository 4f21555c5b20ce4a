"""Image pipeline: a 12 MP JPEG → 150/640/1080 px, JPEG q85, three ways in the same run.

  (a) seed      what the seed did: open the original and thumbnail() it once per size
                (three full decodes);
  (b) ours      imagenes/procesamiento/: one decode at reduced size (JPEG ``draft``), EXIF
                orientation applied, sizes cascaded 1080 → 640 → 150;
  (c) vips      ``vipsthumbnail`` (Debian's libvips-tools), one call per size;
  (d) filtered  (b) with the sepia filter an uploader may pick (the costliest: grey, then
                colourised), applied once to the decoded photo before the sizes: what a
                filter adds to an upload. No PSNR: it is meant to differ from the photo.
Quality: PSNR of each output against a reference made from the full-resolution decode
(LANCZOS, same orientation as the output). Targets: b >= 3x faster than a; b within
1.5x of c; the same visual quality.

    python -m bench.imagenes [--repeticiones 5] [--megapixeles 12]
"""

from __future__ import annotations

import argparse
import io
import math
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from imagenes import procesamiento

from .common import BASE_DIR, guardar, imprimir_tabla, progreso

TAMANOS_SEED = [(150, 150), (640, 640), (1080, 1080)]


def foto_generada(megapixeles: float) -> bytes:
    """Return a photo-like JPEG (gradients, shapes, noise) of about ``megapixeles``, with EXIF."""
    ancho = int((megapixeles * 1_000_000 * 4 / 3) ** 0.5)
    alto = int(ancho * 3 / 4)
    base = Image.linear_gradient("L").resize((ancho, alto))
    imagen = Image.merge("RGB", (base, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), base.rotate(180)))
    dibujo = ImageDraw.Draw(imagen)
    for i in range(40):
        x, y = (i * 7919) % ancho, (i * 104729) % alto
        dibujo.ellipse([x, y, x + ancho // 8, y + alto // 8], fill=((i * 50) % 256, (i * 80) % 256, (i * 110) % 256))
    ruido = Image.effect_noise((ancho, alto), 40).convert("RGB")
    imagen = Image.blend(imagen, ruido, 0.15).filter(ImageFilter.SMOOTH)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS 80D", 6
    salida = io.BytesIO()
    imagen.save(salida, "JPEG", quality=92, exif=exif)
    return salida.getvalue()


def a_la_manera_del_seed(datos: bytes) -> dict[str, bytes]:
    """What the seed did: open the original for each size, thumbnail() it, save it (EXIF not applied)."""
    versiones = {}
    for tamano in TAMANOS_SEED:
        imagen = Image.open(io.BytesIO(datos))
        imagen.load()  # the seed decoded the full image each time
        imagen = imagen.convert("RGB")
        imagen.thumbnail(tamano, Image.Resampling.LANCZOS, reducing_gap=None)
        salida = io.BytesIO()
        imagen.save(salida, "JPEG", quality=85, optimize=True)
        versiones[str(tamano[0])] = salida.getvalue()
    return versiones


def a_nuestra_manera(datos: bytes) -> dict[str, bytes]:
    return procesamiento.generar_versiones(datos)


def filtrada(datos: bytes) -> dict[str, bytes]:
    return procesamiento.generar_versiones(datos, filtro="sepia")


def con_vips(datos: bytes) -> dict[str, bytes]:
    """What libvips' own thumbnailer makes of the same file: one vipsthumbnail per size."""
    with tempfile.TemporaryDirectory() as carpeta:
        original = Path(carpeta) / "foto.jpg"
        original.write_bytes(datos)
        versiones = {}
        for lado, _ in TAMANOS_SEED:
            salida = Path(carpeta) / f"v{lado}.jpg"
            opciones = f"{salida}[Q=85,optimize_coding,strip]"
            subprocess.run(["vipsthumbnail", str(original), "--size", f"{lado}x{lado}", "-o", opciones], check=True)
            versiones[str(lado)] = salida.read_bytes()
        return versiones


def psnr(imagen: Image.Image, referencia: Image.Image) -> float:
    """Return the PSNR in dB of ``imagen`` against ``referencia`` (resized to it when 1 px off)."""
    from PIL import ImageChops, ImageStat

    referencia = (
        referencia.resize(imagen.size, Image.Resampling.LANCZOS) if referencia.size != imagen.size else referencia
    )
    diferencia = ImageStat.Stat(ImageChops.difference(imagen.convert("RGB"), referencia))
    mse = sum(diferencia.sum2) / (3 * imagen.size[0] * imagen.size[1])
    return float("inf") if mse == 0 else 10 * math.log10(255**2 / mse)


def calidad(datos: bytes, versiones: dict[str, bytes], orientada: bool) -> float:
    """Return the mean PSNR of the versions against references drawn from the full decode."""
    with Image.open(io.BytesIO(datos)) as original:
        completa = (ImageOps.exif_transpose(original) if orientada else original).convert("RGB")
    valores = []
    for datos_version in versiones.values():
        with Image.open(io.BytesIO(datos_version)) as version:
            version.load()
            referencia = completa.copy()
            referencia.thumbnail(version.size, Image.Resampling.LANCZOS, reducing_gap=None)
            valores.append(psnr(version, referencia))
    return statistics.mean(valores)


def medir(funcion, datos: bytes, repeticiones: int) -> dict:
    funcion(datos)  # warm-up
    tiempos = []
    for _ in range(repeticiones):
        inicio = time.perf_counter()
        funcion(datos)
        tiempos.append(time.perf_counter() - inicio)
    return {
        "mediana_ms": round(statistics.median(tiempos) * 1000, 1),
        "min_ms": round(min(tiempos) * 1000, 1),
        "max_ms": round(max(tiempos) * 1000, 1),
    }


METODOS = {
    "seed": a_la_manera_del_seed,
    "procesamiento": a_nuestra_manera,
    "filtrada": filtrada,
    "ninguno": lambda datos: None,
}
# The seed ignored the EXIF orientation; ours and vips apply it.
ORIENTADA = {"seed": False, "procesamiento": True, "vips": True}


def pico_propio_mb() -> float:
    """Return this process's peak RSS in MB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
    """
    estado = Path("/proc/self/status")
    if estado.exists():
        for linea in estado.read_text().splitlines():
            if linea.startswith("VmHWM:"):
                return int(linea.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pico_rss_mb(metodo: str, archivo: Path) -> float:
    """Return the peak RSS (MB) of a fresh process that runs ``metodo`` once, over one that runs nothing."""

    def correr(nombre: str) -> float:
        comando = [sys.executable, "-m", "bench.imagenes", "--memoria", nombre, "--archivo", str(archivo)]
        salida = subprocess.run(comando, check=True, capture_output=True, text=True, cwd=BASE_DIR)
        return float(salida.stdout.strip())

    return round(correr(metodo) - correr("ninguno"), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeticiones", type=int, default=5)
    parser.add_argument("--megapixeles", type=float, default=12)
    parser.add_argument("--memoria", choices=sorted(METODOS), help=argparse.SUPPRESS)
    parser.add_argument("--archivo", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memoria:  # child process: run once, print its peak RSS in MB
        METODOS[args.memoria](args.archivo.read_bytes())
        print(pico_propio_mb())
        return

    datos = foto_generada(args.megapixeles)
    with Image.open(io.BytesIO(datos)) as imagen:
        dimensiones = imagen.size
    variantes = {"seed": a_la_manera_del_seed, "procesamiento": a_nuestra_manera, "filtrada": filtrada}
    if shutil.which("vipsthumbnail"):
        variantes["vips"] = con_vips
    else:
        progreso("vipsthumbnail not found (apt-get install libvips-tools): no vips peer this run")
    resultados = {}
    with tempfile.TemporaryDirectory() as carpeta:
        archivo = Path(carpeta) / "foto.jpg"
        archivo.write_bytes(datos)
        for nombre, funcion in variantes.items():
            progreso(f"{nombre}: {args.repeticiones} runs")
            resultados[nombre] = medir(funcion, datos, args.repeticiones)
            if nombre in ORIENTADA:
                resultados[nombre]["psnr_db"] = round(calidad(datos, funcion(datos), ORIENTADA[nombre]), 2)
            if nombre in METODOS:
                resultados[nombre]["pico_rss_mb"] = pico_rss_mb(nombre, archivo)

    nuestra = resultados["procesamiento"]["mediana_ms"]
    filas = [
        [
            n,
            r["mediana_ms"],
            r["min_ms"],
            r["max_ms"],
            r.get("pico_rss_mb", "-"),
            r.get("psnr_db", "-"),
            r["mediana_ms"] / nuestra,
        ]
        for n, r in resultados.items()
    ]
    megas = len(datos) / 1_048_576
    imprimir_tabla(
        f"Image pipeline: {dimensiones[0]}x{dimensiones[1]} JPEG ({megas:.1f} MB) -> 150/640/1080, q85",
        ["way", "median ms", "min ms", "max ms", "+peak RSS MB", "PSNR dB", "time / ours"],
        filas,
    )
    objetivos = {
        "seed_sobre_nuestra": resultados["seed"]["mediana_ms"] / nuestra,
        "filtrada_sobre_nuestra": resultados["filtrada"]["mediana_ms"] / nuestra,
    }
    print(f"  seed / ours = {objetivos['seed_sobre_nuestra']:.2f} (target >= 3)")
    print(f"  filtered / ours = {objetivos['filtrada_sobre_nuestra']:.2f} (reported)")
    if "vips" in resultados:
        objetivos["nuestra_sobre_vips"] = nuestra / resultados["vips"]["mediana_ms"]
        print(f"  ours / vips = {objetivos['nuestra_sobre_vips']:.2f} (target <= 1.5)")
    guardar(
        "imagenes",
        {
            "imagen": {"ancho": dimensiones[0], "alto": dimensiones[1], "bytes": len(datos)},
            "repeticiones": args.repeticiones,
            "resultados": resultados,
            "objetivos": objetivos,
        },
    )


if __name__ == "__main__":
    main()
