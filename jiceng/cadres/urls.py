from django.urls import path

from .views import assessment, cadres, pay

app_name = "cadres"
urlpatterns = [
    path("", cadres.cadre_list, name="list"),
    path("export/", cadres.cadre_export, name="export"),
    path("new/", cadres.cadre_create, name="create"),
    path("<int:pk>/", cadres.cadre_detail, name="detail"),
    path("<int:pk>/edit/", cadres.cadre_edit, name="edit"),
    path("<int:pk>/leave/", cadres.cadre_leave, name="leave"),
    path("<int:pk>/delete/", cadres.cadre_delete, name="delete"),
    path("<int:pk>/file/", cadres.cadre_file, name="file"),
    path("<int:pk>/id-number/", cadres.cadre_reveal, name="reveal"),
    path("<int:pk>/mentors/new/", cadres.mentorship_create, name="mentorship_create"),
    path("mentorships/<int:pk>/end/", cadres.mentorship_end, name="mentorship_end"),
    path("assessments/", assessment.round_list, name="rounds"),
    path("assessments/<int:pk>/", assessment.round_detail, name="round"),
    path("assessments/<int:pk>/score/<int:cadre_pk>/", assessment.score_cadre, name="score"),
    path("assessments/<int:pk>/close/", assessment.round_close, name="round_close"),
    path("assessments/scheme/", assessment.scheme_page, name="scheme"),
    path("assessments/scheme/new/", assessment.scheme_create, name="scheme_create"),
    path("tasks/", assessment.task_list, name="tasks"),
    path("tasks/<int:pk>/decide/", assessment.task_decide, name="task_decide"),
    path("tasks/<int:pk>/decider/", assessment.task_decider, name="task_decider"),
    path("pay/", pay.pay_sheet, name="pay"),
    path("pay/export/", pay.pay_export, name="pay_export"),
    path("pay/income/", pay.income_page, name="income"),
    path("pay/coefficients/", pay.coefficients_page, name="coefficients"),
]
