"""Sample records for the generated contract tests (issue #6 point 5): one factory per declared record
type, keyed by its label (``"app_label.model_name"``).

The contracts in ``kssp/core/tests/test_contracts_records.py`` run for every declaration that
``kssp.core.records.declarations()`` returns; to do so they need a way to make a record owned by a
given person. A factory takes the owner (a ``kssp.accounts.testing.Person``: ``.user`` and
``.membership``) and the markings the contract wants, and writes the row straight to the table::

    from kssp.core.testing.samples import register_sample

    @register_sample("firearms.firearm")
    def firearm(owner, *, classification, handling_code, contains_personal_data):
        return FirearmFactory(owner=owner, classification=classification, ...)

A dependent record type (``parent`` set) makes its parent with those markings, owned by ``owner``,
and returns the dependent row. The factories of the record types that exist today are below; a module
adds its own in ``kssp/<module>/tests/samples.py`` (imported by ``autodiscover_samples``). A declared
type without a factory fails ``test_every_declared_record_type_has_a_sample_factory``: a module cannot
skip its contracts by giving no way to make a record.

Module factories are imported by name at call time (``import_string``), so the kernel imports no module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string, module_has_submodule

from kssp.core.markings import Classification

SampleFactory = Callable[..., Any]

_factories: dict[str, SampleFactory] = {}


def register_sample(label: str) -> Callable[[SampleFactory], SampleFactory]:
    """Decorator: ``factory(owner, *, classification, handling_code, contains_personal_data)`` makes a
    record of type ``label`` owned by ``owner``'s membership (institution and unit) and user."""

    def decorate(factory: SampleFactory) -> SampleFactory:
        _factories[label.strip().lower()] = factory
        return factory

    return decorate


def autodiscover_samples() -> None:
    """Import the ``tests.samples`` module of every project app that has one (where a module registers
    its factories)."""
    for config in apps.get_app_configs():
        if config.name.startswith("kssp.") and module_has_submodule(config.module, "tests.samples"):
            importlib.import_module(f"{config.name}.tests.samples")


def sample_factories() -> dict[str, SampleFactory]:
    autodiscover_samples()
    return dict(_factories)


def has_sample(label: str) -> bool:
    return label in sample_factories()


def sample(
    label: str,
    owner: Any,
    *,
    classification: int = Classification.RESTRICTED,
    handling_code: str = "",
    contains_personal_data: bool = True,
) -> Any:
    """A record of type ``label`` owned by ``owner`` with the given markings (for a dependent type: its
    parent carries them)."""
    factories = sample_factories()
    if label not in factories:
        raise LookupError(
            f"no sample factory for the declared record type {label!r}: register one with "
            "@kssp.core.testing.samples.register_sample in kssp/<module>/tests/samples.py"
        )
    return factories[label](
        owner, classification=classification, handling_code=handling_code, contains_personal_data=contains_personal_data
    )


# --- the record types that exist today ------------------------------------------------------------


@register_sample("bulletins.bulletin")
def bulletin(owner: Any, **markings: Any) -> Any:
    return import_string("kssp.bulletins.tests.factories.BulletinFactory")(owner=owner, **markings)


@register_sample("parties.person")
def person(owner: Any, **markings: Any) -> Any:
    from kssp.core.parties.tests.factories import PersonFactory

    markings["contains_personal_data"] = True  # a person always is personal data
    return PersonFactory(owner=owner, **markings)


@register_sample("parties.organisation")
def organisation(owner: Any, **markings: Any) -> Any:
    from kssp.core.parties.tests.factories import OrganisationFactory

    return OrganisationFactory(owner=owner, **markings)


@register_sample("parties.vehicle")
def vehicle(owner: Any, **markings: Any) -> Any:
    from kssp.core.parties.tests.factories import VehicleFactory

    return VehicleFactory(owner=owner, **markings)


@register_sample("parties.persondocument")
def person_document(owner: Any, **markings: Any) -> Any:
    from kssp.core.parties.tests.factories import PersonDocumentFactory

    return PersonDocumentFactory(person=person(owner, **markings))


@register_sample("portal.publicsubmission")
def public_submission(owner: Any, **markings: Any) -> Any:
    markings["contains_personal_data"] = True  # people write about people
    return import_string("kssp.portal.tests.factories.PublicSubmissionFactory")(owner=owner, **markings)
