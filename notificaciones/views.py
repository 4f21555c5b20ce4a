from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services

NOTIFICACIONES_POR_PAGINA = 30


@login_required
def lista(request):
    """Every notification of the user, newest first, a page at a time."""
    pagina = Paginator(selectors.de_usuario(usuario_id=request.user.pk), NOTIFICACIONES_POR_PAGINA).get_page(
        request.GET.get("page")
    )
    return render(request, "notificaciones/lista.html", {"pagina": pagina, "notificaciones": pagina})


@require_POST
@login_required
def marcar_todas(request):
    cambiadas = services.marcar_todas_leidas(usuario_id=request.user.pk)
    if cambiadas:
        messages.success(request, f"Marcaste {cambiadas} notificaciones como leídas.")
    return redirect("notificaciones:lista")
