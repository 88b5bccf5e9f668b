from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        from consultations.services import result_from_work_order
        from governance.workflow import on_transition

        # 结果公开 when the work order a decision became is verified (验单).
        on_transition(result_from_work_order)

        from consultations.views.projects import unit_panel
        from orgchart import unit_panels

        # 五有 and the micro-governance projects on a compound's (and a community's) page.
        unit_panels.register(unit_panel)
