from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("auth.login", _("Signed in"), category="security")
register("auth.login_failed", _("Sign-in refused"), category="security")
register("auth.logout", _("Signed out"), category="security")
register("auth.membership_switched", _("Acting membership switched"), category="security")
register("user.created", _("User created"), personal_data=True)
register("user.updated", _("User changed"), personal_data=True)
register("membership.created", _("Membership granted"))
register("membership.ended", _("Membership ended"), reason_required=True)
register("clearance.recorded", _("Security clearance recorded"), personal_data=True)
register("clearance.revoked", _("Security clearance revoked"), reason_required=True)
register("role.updated", _("Role changed"))
register("institution.created", _("Institution created"))
register("institution.updated", _("Institution changed"))
register("unit.created", _("Unit created"))
register("unit.updated", _("Unit changed"))
register("api_token.created", _("API token created"), category="security")
register("api_token.revoked", _("API token revoked"), category="security")
