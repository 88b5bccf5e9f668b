from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgchartConfig(AppConfig):
    name = "orgchart"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # The org tree and party members as importable ledgers (governance.ledger).
        from orgchart import ledgers

        ledgers.register()
