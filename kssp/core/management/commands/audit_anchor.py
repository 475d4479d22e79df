"""``manage.py audit_anchor``: sign the chain head now (a new anchor whenever it has moved since the last).

Run it where the sweeper runs (the only host with ``KSSP_AUDIT_ANCHOR_KEY``); the sweeper calls the same
code at least daily. The anchor goes to the database and is appended to ``KSSP_AUDIT_ANCHOR_FILE``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kssp.core.audit import crypto
from kssp.core.audit.anchor import AnchorRefused, anchor_file, anchor_write


class Command(BaseCommand):
    help = "Sign the audit chain head now (if it moved since the last anchor) and append the anchor to the anchor file."

    def handle(self, *args: object, **options: Any) -> None:
        try:
            outcome = anchor_write()
        except crypto.AnchorKeyMissing as exc:
            raise CommandError(
                _("No anchor signing key on this host (KSSP_AUDIT_ANCHOR_KEY): run audit_anchor where the sweeper runs.")
            ) from exc
        except AnchorRefused as exc:
            if exc.result.seq is None:  # a fault of the anchor file that names no event
                text = _("Nothing signed: the audit trail does not verify [%(kind)s]: %(message)s")
            else:
                text = _("Nothing signed: the chain does not verify [%(kind)s] at event %(seq)s: %(message)s")
            raise CommandError(text % {"kind": exc.result.kind, "seq": exc.result.seq, "message": exc.result.message}) from exc
        path = anchor_file()
        if outcome.copied_to_file:
            self.stdout.write(
                ngettext(
                    "%(n)s anchor of the database copied to %(path)s.",
                    "%(n)s anchors of the database copied to %(path)s.",
                    outcome.copied_to_file,
                )
                % {"n": outcome.copied_to_file, "path": path}
            )
        anchor = outcome.anchor
        if anchor is None:
            self.stdout.write(_("The audit trail is empty: nothing to sign."))
        elif outcome.created:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Anchor signed: event %(seq)s at %(time)s, appended to %(path)s.")
                    % {"seq": anchor.seq, "time": crypto.utc_text(anchor.signed_at), "path": path}
                )
            )
        else:
            self.stdout.write(
                _("The head has not moved since the anchor of event %(seq)s signed at %(time)s: nothing to sign.")
                % {"seq": anchor.seq, "time": crypto.utc_text(anchor.signed_at)}
            )
