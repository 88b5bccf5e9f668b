from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Grids")

    def ready(self) -> None:
        # Households and residents as importable ledgers (governance.ledger).
        from grids import ledgers

        ledgers.register()
