from django.urls import path

from .views import appraisal, claims, points, scheme, screen, stars, weak

app_name = "ratings"

urlpatterns = [
    path("", points.index, name="index"),
    path("points/", points.ranking, name="ranking"),
    path("points/export/", points.ranking_export, name="ranking_export"),
    path("points/mine/", points.mine, name="mine"),
    path("points/member/<int:pk>/", points.member_points, name="member"),
    path("points/unqualified/", points.unqualified, name="unqualified"),
    path("points/unqualified/export/", points.unqualified_export, name="unqualified_export"),
    path("points/recompute/", points.recompute, name="recompute"),
    path("panel/", points.panel, name="panel"),
    path("panel/overview/", screen.overview_panel, name="overview_panel"),
    path("stars/members/", screen.star_members, name="star_members"),
    path("stars/members/export/", screen.star_members_export, name="star_members_export"),
    path("claims/", claims.claim_list, name="claims"),
    path("claims/new/", claims.claim_create, name="claim_create"),
    path("claims/<int:pk>/", claims.claim_detail, name="claim"),
    path("claims/<int:pk>/decide/", claims.claim_decide, name="claim_decide"),
    path("claims/photos/<int:pk>/", claims.claim_photo, name="claim_photo"),
    path("stars/", stars.overview, name="stars"),
    path("stars/propose/", stars.propose, name="star_propose"),
    path("stars/reviews/<int:pk>/", stars.review, name="star_review"),
    path("stars/reviews/<int:pk>/decide/", stars.decide, name="star_decide"),
    path("stars/decisions/<int:pk>/overrule/", stars.overrule, name="star_overrule"),
    path("stars/follow-ups/<int:pk>/", stars.follow_up, name="star_follow_up"),
    path("stars/settings/", stars.settings_page, name="settings"),
    path("fortress/", stars.fortress, name="fortress"),
    path("fortress/export/", stars.fortress_export, name="fortress_export"),
    path("fortress/compute/", stars.fortress_compute, name="fortress_compute"),
    path("fortress/weights/", stars.fortress_weights, name="fortress_weights"),
    path("weak/", weak.weak_list, name="weak"),
    path("weak/export/", weak.weak_export, name="weak_export"),
    path("weak/designate/", weak.designate, name="weak_designate"),
    path("weak/<int:pk>/", weak.weak_detail, name="weak_detail"),
    path("weak/<int:pk>/tasks/", weak.weak_task, name="weak_task"),
    path("weak/<int:pk>/events/", weak.weak_event, name="weak_event"),
    path("weak/<int:pk>/move/", weak.weak_move, name="weak_move"),
    path("weak/tasks/<int:pk>/done/", weak.weak_task_done, name="weak_task_done"),
    path("scheme/", scheme.scheme, name="scheme"),
    path("scheme/new/", scheme.scheme_new, name="scheme_new"),
    # ---- secretaries' annual report and appraisal (书记述职评议) ----
    path("appraisal/", appraisal.round_list, name="appraisal"),
    path("appraisal/new/", appraisal.round_create, name="appraisal_create"),
    path("appraisal/<int:pk>/", appraisal.round_detail, name="appraisal_round"),
    path("appraisal/<int:pk>/reviewers/", appraisal.round_reviewer, name="appraisal_reviewer"),
    path("appraisal/<int:pk>/close/", appraisal.round_close, name="appraisal_close"),
    path("appraisal/<int:pk>/export/", appraisal.round_export, name="appraisal_export"),
    path("appraisal/<int:pk>/word/", appraisal.round_docx, name="appraisal_docx"),
    path("appraisal/<int:pk>/vote/", appraisal.vote_page, name="appraisal_vote"),
    path("appraisal/reports/<int:pk>/", appraisal.report_detail, name="appraisal_report"),
    path("appraisal/reports/<int:pk>/edit/", appraisal.report_edit, name="appraisal_report_edit"),
    path("appraisal/reports/<int:pk>/vote/", appraisal.report_vote, name="appraisal_report_vote"),
    path("appraisal/reports/<int:pk>/paper/", appraisal.report_paper, name="appraisal_report_paper"),
    path("appraisal/reports/<int:pk>/return/", appraisal.report_return, name="appraisal_report_return"),
    path("appraisal/reports/<int:pk>/word/", appraisal.report_docx, name="appraisal_report_docx"),
]

# ---- inspections (督查) and accountability (问责) ------------------------------------------------
from .views import inspections  # noqa: E402

urlpatterns += [
    path("inspections/", inspections.round_list, name="inspections"),
    path("inspections/new/", inspections.round_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspections.round_detail, name="inspection"),
    path("inspections/<int:pk>/export/", inspections.round_export, name="inspection_export"),
    path("inspections/<int:pk>/close/", inspections.round_close, name="inspection_close"),
    path("inspections/results/<int:pk>/", inspections.result_entry, name="inspection_result"),
    path("inspections/photos/<int:pk>/", inspections.result_photo, name="inspection_photo"),
    path("accountability/", inspections.accountability_list, name="accountability"),
    path("accountability/export/", inspections.accountability_export, name="accountability_export"),
    path("accountability/<int:pk>/handle/", inspections.accountability_handle, name="accountability_handle"),
]

# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
from .views import orgratings  # noqa: E402

urlpatterns += [
    path("org-ratings/", orgratings.rating_list, name="orgratings"),
    path("org-ratings/export/", orgratings.rating_export, name="orgrating_export"),
    path("org-ratings/propose/", orgratings.rating_propose, name="orgrating_propose"),
    path("org-ratings/checklists/", orgratings.checklists, name="orgrating_checklists"),
    path("org-ratings/target/", orgratings.target, name="orgrating_target"),
    path("org-ratings/<int:pk>/", orgratings.rating_detail, name="orgrating"),
    path("org-ratings/<int:pk>/score/", orgratings.rating_score, name="orgrating_score"),
    path("org-ratings/<int:pk>/confirm/", orgratings.rating_confirm, name="orgrating_confirm"),
    path("org-ratings/photos/<int:pk>/", orgratings.rating_photo, name="orgrating_photo"),
]

# ---- posts and pledges (设岗定责、承诺践诺) ------------------------------------------------------
from .views import posts as posts_views  # noqa: E402

urlpatterns += [
    path("posts/", posts_views.post_list, name="posts"),
    path("posts/export/", posts_views.post_export, name="posts_export"),
    path("posts/new/", posts_views.post_create, name="post_create"),
    path("posts/<int:pk>/", posts_views.post_detail, name="post"),
    path("posts/<int:pk>/request/", posts_views.post_request, name="post_request"),
    path("posts/<int:pk>/assign/", posts_views.post_assign, name="post_assign"),
    path("posts/holdings/<int:pk>/decide/", posts_views.holding_decide, name="holding_decide"),
    path("posts/holdings/<int:pk>/log/", posts_views.duty_log, name="duty_log"),
    path("posts/duties/", posts_views.duties, name="duties"),
    path("posts/duties/<int:pk>/", posts_views.post_duty, name="post_duty"),
    path("pledges/", posts_views.pledge_list, name="pledges"),
    path("pledges/export/", posts_views.pledge_export, name="pledges_export"),
    path("pledges/new/", posts_views.pledge_create, name="pledge_create"),
    path("pledges/<int:pk>/", posts_views.pledge_detail, name="pledge"),
    path("pledges/<int:pk>/withdraw/", posts_views.pledge_withdraw, name="pledge_withdraw"),
    path("stars/model-posts/<int:pk>/overrule/", posts_views.model_post_overrule, name="model_post_overrule"),
]

# ---- the vanguard index (先锋指数) -----------------------------------------------------------------
from .views import vanguard as vanguard_views  # noqa: E402

urlpatterns += [
    path("vanguard/", vanguard_views.vanguard, name="vanguard"),
    path("vanguard/export/", vanguard_views.vanguard_export, name="vanguard_export"),
    path("vanguard/compute/", vanguard_views.vanguard_compute, name="vanguard_compute"),
    path("vanguard/weights/", vanguard_views.vanguard_weights, name="vanguard_weights"),
]
