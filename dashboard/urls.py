from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

# Browsers and bookmarks ask for /favicon.ico whatever the pages link to. Resolved on the first request,
# when the static files' manifest is readable.
favicon = login_not_required(
    RedirectView.as_view(
        url=lazy(static, str)("img/favicon.svg"), permanent=True, http_method_names=["get", "head"]
    )
)

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("encodings_app.api.urls")),
    path("", include("encodings_app.urls")),
]
