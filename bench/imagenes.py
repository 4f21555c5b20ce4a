"""Benchmark: the seed's image processing against imagenes/processing.py.

The seed opened the original and made each size from it (three full decodes, three
``thumbnail()`` calls); ours decodes once at reduced size (JPEG ``draft``), applies
the EXIF orientation, and cascades 1080 → 640 → 150. Run from the repository root:

    .venv/bin/python bench/imagenes.py [--repeticiones 5] [--megapixeles 12]

Prints a table and writes bench/results/imagenes.json. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))

from imagenes import processing  # noqa: E402

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
    return processing.generar_versiones(datos)


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


METODOS = {"seed": a_la_manera_del_seed, "processing": a_nuestra_manera, "ninguno": lambda datos: None}


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
        comando = [sys.executable, __file__, "--memoria", nombre, "--archivo", str(archivo)]
        return float(subprocess.run(comando, check=True, capture_output=True, text=True).stdout.strip())

    return round(correr(metodo) - correr("ninguno"), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticiones", type=int, default=5)
    parser.add_argument("--megapixeles", type=float, default=12)
    parser.add_argument("--salida", type=Path, default=RAIZ / "bench" / "results" / "imagenes.json")
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
    seed = medir(a_la_manera_del_seed, datos, args.repeticiones)
    nuestra = medir(a_nuestra_manera, datos, args.repeticiones)
    with tempfile.TemporaryDirectory() as carpeta:
        archivo = Path(carpeta) / "foto.jpg"
        archivo.write_bytes(datos)
        seed["pico_rss_mb"] = pico_rss_mb("seed", archivo)
        nuestra["pico_rss_mb"] = pico_rss_mb("processing", archivo)
    aceleracion = round(seed["mediana_ms"] / nuestra["mediana_ms"], 2)

    filas = [("seed (3 decodes)", seed), ("processing.py (1 decode, draft, cascade)", nuestra)]
    print(f"Imagen: {dimensiones[0]}×{dimensiones[1]} JPEG, {len(datos) / 1_048_576:.1f} MB; {args.repeticiones} rep.")
    print(f"{'método':<44}{'mediana ms':>12}{'min ms':>10}{'max ms':>10}{'+RSS MB':>10}")
    for nombre, r in filas:
        print(f"{nombre:<44}{r['mediana_ms']:>12}{r['min_ms']:>10}{r['max_ms']:>10}{r['pico_rss_mb']:>10}")
    print(f"Aceleración (mediana): ×{aceleracion}")

    args.salida.parent.mkdir(parents=True, exist_ok=True)
    resultado = {
        "benchmark": "imagenes",
        "imagen": {"ancho": dimensiones[0], "alto": dimensiones[1], "bytes": len(datos)},
        "repeticiones": args.repeticiones,
        "seed": seed,
        "processing": nuestra,
        "aceleracion_mediana": aceleracion,
        "python": platform.python_version(),
        "pillow": Image.__version__,
        "maquina": platform.machine(),
    }
    args.salida.write_text(json.dumps(resultado, indent=2, ensure_ascii=False) + "\n")
    print(f"Escrito {args.salida.relative_to(RAIZ) if args.salida.is_relative_to(RAIZ) else args.salida}")


if __name__ == "__main__":
    main()
