from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("import.uploaded", _("Import file uploaded"))
register("import.resumed", _("Import validation resumed"))
register("import.promoted", _("Import promoted into live records"))
register("import.promotion_abandoned", _("Unfinished import promotion removed"))
register("import.discarded", _("Import discarded"))
register("import.report_downloaded", _("Import report downloaded"), category="disclosure")
