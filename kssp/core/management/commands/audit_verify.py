from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kssp.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail: sequence, MACs, payloads against their digests, the head, and every signed anchor "
        "in the database and the anchor file (pinned public key). Exit 1 naming the first problem; list all."
    )

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        result = verify_chain()
        seconds = time.perf_counter() - started
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.message))
            self.stdout.write(
                _(
                    "%(anchors)s signed anchors matched; %(shredded)s shredded payloads could not be checked "
                    "(their keys were destroyed); %(seconds).1f s."
                )
                % {"anchors": result.anchors, "shredded": result.shredded, "seconds": seconds}
            )
            return
        for fault in result.faults[1:]:
            if fault.seq is None:
                text = _("also [%(kind)s]: %(message)s")
            else:
                text = _("also [%(kind)s] at event %(seq)s: %(message)s")
            self.stderr.write(text % {"kind": fault.kind, "seq": fault.seq, "message": fault.message})
        if result.seq is None:  # a fault of the anchor file that names no event
            text = _("AUDIT CHAIN BROKEN [%(kind)s]: %(message)s")
        else:
            text = _("AUDIT CHAIN BROKEN [%(kind)s] at event %(seq)s: %(message)s")
        raise CommandError(text % {"kind": result.kind, "seq": result.seq, "message": result.message})
