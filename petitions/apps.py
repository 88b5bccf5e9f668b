from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from petitions import rollups
        from petitions.notifications import register_kinds

        register_kinds()
        rollups.install()
