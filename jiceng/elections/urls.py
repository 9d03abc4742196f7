from django.urls import path

from . import views

app_name = "elections"
urlpatterns = [
    path("", views.election_list, name="list"),
    path("export/", views.election_export, name="export"),
    path("new/", views.election_create, name="create"),
    path("<int:pk>/", views.election_detail, name="detail"),
    path("<int:pk>/decide/", views.election_decide, name="decide"),
    path("postponements/new/", views.postponement_create, name="postponement_create"),
    path("postponements/<int:pk>/", views.postponement_detail, name="postponement"),
    path("postponements/<int:pk>/decide/", views.postponement_decide, name="postponement_decide"),
]
