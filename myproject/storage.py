"""Static files storage for production (``DEBUG`` off)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage that also hashes ES module imports.

    The hashed entry file (js/notificaciones.<hash>.js) is cached for a year; without
    this its ``import ... from "./notificaciones/popup.js"`` would load the unhashed
    file, which a later deploy may change under it. With it, the import names the
    hashed file too. The rewrite needs the ``import … from "…";`` form with the
    semicolon. https://docs.djangoproject.com/en/5.2/ref/contrib/staticfiles/#manifeststaticfilesstorage
    """

    support_js_module_import_aggregation = True
