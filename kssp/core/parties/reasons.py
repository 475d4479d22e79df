"""Match reasons in the reader's language (the matching module itself speaks only codes)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kssp.core.parties.matching import RULE_LABELS, Reason

MERGED_SPELLING = "merged_spelling"


def rule_text(rule: str) -> str:
    if rule == "cyrillic":
        return _("Cyrillic→Latin")
    if rule == "diacritics":
        return _("diacritics dropped")
    return RULE_LABELS.get(rule, rule)


def describe(reason: Reason) -> str:
    rules = ", ".join(rule_text(r) for r in reason.rules)
    code = reason.code
    if code == "personal_number_equal":
        return _("personal number equal")
    if code == "document_equal":
        return _("document number equal")
    if code == "name_same":
        return _("same name")
    if code == "name_same_key":
        return _("same key after %(rules)s") % {"rules": rules}
    if code == "name_same_loose":
        if rules:
            return _("same letters without č ć š ž đ, after %(rules)s") % {"rules": rules}
        return _("same letters without č ć š ž đ")
    if code == "name_similar":
        return _("similar name (%(score)s%%)") % {"score": round((reason.value or 0) * 100)}
    if code == "names_reordered":
        return _("names in another order")
    if code == "dob_equal":
        return _("same date of birth")
    if code == "dob_day_month_swapped":
        return _("date of birth with day and month swapped")
    if code == "dob_same_year":
        return _("same year of birth")
    if code == "dob_within_year":
        return _("DOB within 1 year")
    if code == MERGED_SPELLING:
        return _("spelling recorded on a merged duplicate")
    return code
