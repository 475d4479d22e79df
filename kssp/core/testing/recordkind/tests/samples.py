"""The sample factory of the kernel's test record type, for the generated record contracts."""

from __future__ import annotations

from typing import Any

from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory
from kssp.core.testing.samples import register_sample


@register_sample("recordkind.samplerecord")
def sample_record(owner: Any, **markings: Any) -> Any:
    return SampleRecordFactory(owner=owner, **markings)
