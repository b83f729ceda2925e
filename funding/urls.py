from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("", views.home, name="home"),
    path("pool/", views.pool_edit, name="pool_edit"),
    path("allocation/", views.allocation, name="allocation"),
    path("export/", views.export_grants, name="export_grants"),
    path("apply/", views.grant_apply, name="grant_apply"),
    path("<int:pk>/", views.grant_detail, name="grant_detail"),
    path("<int:pk>/resubmit/", views.grant_resubmit, name="grant_resubmit"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/drc-review/", views.drc_review, name="drc_review"),
    path("<int:pk>/finance-review/", views.finance_review, name="finance_review"),
    path("<int:pk>/disburse/", views.disbursement_add, name="disbursement_add"),
    path("<int:pk>/spend/", views.spending_add, name="spending_add"),
    path("<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("<int:pk>/sheet/", views.approval_sheet, name="approval_sheet"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("vouchers/<int:pk>/", views.voucher_file, name="voucher_file"),
]
