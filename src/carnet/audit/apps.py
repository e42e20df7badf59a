from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "carnet.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from carnet.audit import receivers  # noqa: F401  (sign-in events come only as Django signals)
