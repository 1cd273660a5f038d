"""The kommune's approval of lettings (R42, R36, R12.1, R12.4, R14.4): queue, decision, report."""

from django.urls import path

from . import views as approvals

app_name = "approvals"

urlpatterns = [
    path("kommune/godkendelser/", approvals.approval_queue, name="approval_queue"),
    path("kommune/godkendelser/indberetning/", approvals.approval_report, name="approval_report"),
    path("kommune/godkendelser/<int:pk>/", approvals.approval_detail, name="approval_detail"),
    path("kommune/godkendelser/<int:pk>/historik/", approvals.approval_history, name="approval_history"),
    path(
        "kommune/godkendelser/<int:pk>/ungdomsbolig-igen/",
        approvals.approval_youth_revert,
        name="approval_youth_revert",
    ),
    path(
        "udlejning/<int:pk>/kommunens-godkendelse/",
        approvals.approval_request_new,
        name="vacancy_approval_request",
    ),
]
