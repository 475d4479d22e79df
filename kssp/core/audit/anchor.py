"""Daily signed anchors of the chain head (run by the sweeper)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from kssp.core.audit import crypto
from kssp.core.audit.service import locked_head
from kssp.core.models.audit import AuditAnchor


def anchor_write(*, day: dt.date) -> AuditAnchor:
    """Sign the current head for ``day``; idempotent (one anchor a day)."""
    with transaction.atomic():
        existing = AuditAnchor.objects.filter(day=day).first()
        if existing is not None:
            return existing
        head = locked_head()
        message = crypto.anchor_message(day.isoformat(), head.seq, head.hmac)
        signature = crypto.anchor_private_key().sign(message).hex()
        return AuditAnchor.objects.create(
            day=day, seq=head.seq, hmac=head.hmac, signature=signature, public_key=crypto.anchor_public_key_hex()
        )
