"""/api/v1/: same data scope as the pages; token or session authentication.

Each app adds its routes in its own ``api.py``: a ``register(router)`` function for
viewsets and, for plain API views, a module-level ``urlpatterns`` list.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from jiceng.core.registry import app_modules


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema is the same for every user (SERVE_PUBLIC) and changes only with the code:
    generated once per process and version instead of on every request (0.5 s each)."""

    _built: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, request.GET.get("lang"))
        if key not in self._built:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._built[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=self._built[key],
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )


router = DefaultRouter()
extra = []
for module in app_modules("api"):
    if hasattr(module, "register"):
        module.register(router)
    extra += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    *extra,
    path("", include(router.urls)),
]
