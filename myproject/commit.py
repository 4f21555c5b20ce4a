"""Work deferred to transaction commit: ``transaction.on_commit(partial(fn, ...), robust=True)``.

Import ``partial`` from here, not from functools, for on_commit callbacks. When a
robust callback fails, Django logs it as ``func.__qualname__`` — and a
``functools.partial`` has no ``__qualname__``, so the log line itself raises
AttributeError out of the commit, and the buyer whose sale just committed gets a 500
because the broker happens to be down. This ``partial`` answers with the name of the
function it wraps.
"""

import functools


class partial(functools.partial):  # noqa: N801 - a drop-in for functools.partial
    """A ``functools.partial`` that has its function's ``__name__`` and ``__qualname__``."""

    __slots__ = ()

    def __getattr__(self, nombre: str):
        if nombre in ("__name__", "__qualname__"):
            return getattr(self.func, nombre, repr(self.func))
        raise AttributeError(nombre)
