"""/api/v1/: same data scope as the pages; token or session authentication.

Each app adds its routes in its own ``api.py``: a ``register(router)`` function for
viewsets and, for plain API views, a module-level ``urlpatterns`` list.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from jiceng.core.registry import app_modules

router = DefaultRouter()
extra = []
for module in app_modules("api"):
    if hasattr(module, "register"):
        module.register(router)
    extra += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    *extra,
    path("", include(router.urls)),
]
