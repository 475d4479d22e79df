from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

# Every payload about a party holds personal data: it is encrypted with the party's own key, so that
# retention can erase it (crypto-shredding) without breaking the chain.
register("person.created", _("Person added to the index"), personal_data=True)
register("person.updated", _("Person edited"), personal_data=True)
register("person.consulted", _("Person read"), category="consultation")
register("person.searched", _("Person index searched"), category="consultation", personal_data=True)
register("person.merged", _("Duplicate person merged"), personal_data=True, reason_required=True)
register("person.unmerged", _("Person merge undone"), personal_data=True, reason_required=True)
register("person_document.added", _("Identity document added"), personal_data=True)
register("organisation.created", _("Organisation added"), personal_data=True)
register("organisation.updated", _("Organisation edited"), personal_data=True)
register("organisation.consulted", _("Organisation with personal data read"), category="consultation")
register("vehicle.created", _("Vehicle added"), personal_data=True)
register("vehicle.updated", _("Vehicle edited"), personal_data=True)
register("vehicle.consulted", _("Vehicle with personal data read"), category="consultation")
register("party_link.created", _("Party linked to a record"), personal_data=True)
register("party_link.removed", _("Party link removed"), personal_data=True, reason_required=True)
register("party_link.acquittal_recorded", _("Final acquittal of a suspect recorded"), personal_data=True)
