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
