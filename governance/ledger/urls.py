"""The ledger import pages (see ``governance.ledger.views``), under ``/ledgers/``."""

from django.urls import path

from governance.ledger import views

app_name = "ledger"

urlpatterns = [
    path("<slug:name>/import/", views.import_page, name="import"),
    path("<slug:name>/import/<slug:token>/", views.preview, name="preview"),
    path("<slug:name>/import/<slug:token>/confirm/", views.confirm, name="confirm"),
    path("<slug:name>/import/<slug:token>/errors.xlsx", views.error_report, name="errors"),
    path("<slug:name>/template/", views.template, name="template"),
]
