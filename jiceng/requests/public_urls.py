"""Public addresses (no account): the intake pages residents reach from a village's QR code,
their follow-up pages, the public board and Open311 GeoReport v2."""

from django.urls import path

from . import open311
from .views import public as views_public

app_name = "resident"
urlpatterns = [
    path("r/", views_public.track, name="track"),
    path("r/t/<str:ticket>/", views_public.progress, name="progress"),
    path("r/t/<str:ticket>/rate/", views_public.rate, name="rate"),
    path("r/t/<str:ticket>/photo/<int:photo>/", views_public.resident_photo, name="photo"),
    path("r/<str:code>/", views_public.intake, name="intake"),
    path("board/", views_public.board, name="board"),
    path("board/<int:pk>/", views_public.board_detail, name="board_detail"),
    path("board/photo/<int:photo>/", views_public.board_photo, name="board_photo"),
    path("open311/v2/services.json", open311.services_list, name="open311_services"),
    path("open311/v2/requests.json", open311.requests_endpoint, name="open311_requests"),
    path("open311/v2/requests/<str:service_request_id>.json", open311.request_detail, name="open311_request"),
]
