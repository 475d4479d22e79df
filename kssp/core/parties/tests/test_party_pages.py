"""Vehicles and organisations have pages (issue #7 point 2: they could be created only through the API):
add and edit with field errors that keep the input, audit, 404 for what the user may not see, 403 for
what they may see but not change."""

from __future__ import annotations

from django.urls import reverse

from kssp.core.models import AuditEvent
from kssp.core.parties.models import Organisation, Vehicle
from kssp.core.parties.tests.factories import OrganisationFactory, VehicleFactory
from kssp.core.services.grants import grant_create

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def vehicle_data(**overrides):
    data = {"plate": "01-234-KS", "plate_format": "", "vin": "", "make": "Iveco", "model": "Daily", "colour": "white",
            "contains_personal_data": "on", "classification": "1", "handling_code": ""}
    return data | overrides


def test_a_vehicle_is_added_from_its_page_and_audited(world):
    client = world.kp_investigator.client()
    assert client.get(reverse("parties:vehicle_create"), **EN).status_code == 200
    response = client.post(reverse("parties:vehicle_create"), vehicle_data(), **EN)
    vehicle = Vehicle.objects.unscoped(reason="test").get()
    assert response.status_code == 302 and response["Location"] == reverse("parties:vehicle_detail", args=[vehicle.public_id])
    assert (vehicle.plate_key, vehicle.make, vehicle.owner_unit_id) == ("01234KS", "Iveco", world.kp_investigator.membership.unit_id)
    assert AuditEvent.objects.filter(event_type="vehicle.created", target_public_id=vehicle.public_id).exists()


def test_a_vehicle_without_plate_or_vin_is_a_field_error_and_the_input_is_kept(world):
    client = world.kp_investigator.client()
    response = client.post(reverse("parties:vehicle_create"), vehicle_data(plate="", make="Zastava"), **EN)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Give the plate or the VIN." in html and 'value="Zastava"' in html
    bad_vin = client.post(reverse("parties:vehicle_create"), vehicle_data(vin="WVWZZZ1JZXW0000OQ"), **EN)
    assert bad_vin.status_code == 400 and "A VIN has no letters I, O or Q." in bad_vin.content.decode()
    too_secret = client.post(reverse("parties:vehicle_create"), vehicle_data(classification="4"), **EN)
    assert too_secret.status_code == 400
    assert not Vehicle.objects.unscoped(reason="test").exists()


def test_a_vehicle_is_edited_from_its_page_404_for_outsiders_403_for_readers(world):
    owner = world.kp_investigator
    vehicle = VehicleFactory(owner=owner, plate="PZ-123-AB", make="Zastava", model="101")
    url = reverse("parties:vehicle_update", args=[vehicle.public_id])
    page = owner.client().get(reverse("parties:vehicle_detail", args=[vehicle.public_id]), **EN).content.decode()
    assert f'href="{url}"' in page
    response = owner.client().post(url, vehicle_data(plate="PZ-123-AB", make="Zastava", model="101", colour="red"), **EN)
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.colour == "red"
    event = AuditEvent.objects.get(event_type="vehicle.updated", target_public_id=vehicle.public_id)
    assert event.target_public_id == vehicle.public_id
    assert world.customs.client().get(url).status_code == 404
    grant_create(actor=owner.actor, obj=vehicle, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint check")
    assert world.customs.client().get(url).status_code == 403
    page = world.customs.client().get(reverse("parties:vehicle_detail", args=[vehicle.public_id]), **EN).content.decode()
    assert f'href="{url}"' not in page


def test_an_organisation_is_added_and_edited_from_its_pages(world):
    client = world.kp_investigator.client()
    data = {"name": "Siguria Sh.p.k.", "business_number": "81234567", "org_type": "security_company",
            "classification": "1", "handling_code": ""}
    bad = client.post(reverse("parties:organisation_create"), data | {"business_number": "12"}, **EN)
    assert bad.status_code == 400 and "4 to 20 letters and digits" in bad.content.decode()
    assert 'value="Siguria Sh.p.k."' in bad.content.decode()
    assert client.post(reverse("parties:organisation_create"), data, **EN).status_code == 302
    organisation = Organisation.objects.unscoped(reason="test").get()
    assert AuditEvent.objects.filter(event_type="organisation.created", target_public_id=organisation.public_id).exists()
    url = reverse("parties:organisation_update", args=[organisation.public_id])
    assert client.post(url, data | {"name": "Siguria e Kosovës Sh.p.k."}, **EN).status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Siguria e Kosovës Sh.p.k."
    other = OrganisationFactory(owner=world.customs)
    assert client.get(reverse("parties:organisation_update", args=[other.public_id])).status_code == 404


def test_the_person_index_offers_adding_vehicles_and_organisations(world):
    page = world.kp_investigator.client().get(reverse("parties:person_search"), **EN).content.decode()
    assert reverse("parties:vehicle_create") in page and reverse("parties:organisation_create") in page
    assert world.inspector.client().get(reverse("parties:vehicle_create")).status_code == 403


def test_a_vehicle_page_sent_twice_adds_one_vehicle(world):
    import re

    client = world.kp_investigator.client()
    page = client.get(reverse("parties:vehicle_create"), **EN).content.decode()
    token = re.search(r'name="form_token" value="([A-Za-z0-9_-]+)"', page).group(1)
    first = client.post(reverse("parties:vehicle_create"), vehicle_data(form_token=token), **EN)
    again = client.post(reverse("parties:vehicle_create"), vehicle_data(form_token=token), **EN)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Vehicle.objects.unscoped(reason="test").count() == 1
