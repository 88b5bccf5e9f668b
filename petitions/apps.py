from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from governance.workflow import on_transition
        from petitions import rollups
        from petitions.notifications import (
            register_kinds,
            tell_the_reporter,
            tell_the_reporters,
        )

        register_kinds()
        rollups.install()
        on_transition(tell_the_reporter, batch=tell_the_reporters)
