from allauth.account import views as allauth
from django.urls import include, path

urlpatterns = [
    path("", include("allauth.account.urls")),
    # The names Django's auth URLs had, still used by the shop's templates; the paths resolve to allauth's views above.
    path("login/", allauth.login, name="login"),
    path("logout/", allauth.logout, name="logout"),
]
