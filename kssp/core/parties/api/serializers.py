"""The party index in the API. Serializers parse and render; the services decide (ARCHITECTURE rule 4).

A person whose protection applies to the reader (``selectors.apply_protection`` ran before rendering)
is rendered pseudonymised: the name is replaced by "Witness W-3F9A", the date of birth by its year, and
numbers, addresses, nationality and sex are empty.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kssp.core.api.fields import CodeRefField, RefField
from kssp.core.api.serializers import RecordRefSerializer, StrictModelSerializer, StrictSerializer
from kssp.core.markings import Classification, HandlingCode
from kssp.core.parties.choices import DocumentType, Nature, OrganisationType, PartyRole, Sex, SubjectCategory
from kssp.core.parties.models import Organisation, PartyLink, Person, PersonDocument, PersonMerge, Vehicle
from kssp.core.parties.selectors import person_view


class CodeInField(CodeRefField):
    """In: a reference-data code (checked by the service: an unknown one is a 400 on this field).
    Out: ``{"code", "name"}``."""

    def to_internal_value(self, data: Any) -> Any:
        return self.parse_key(data)


MARKINGS = {
    "classification": serializers.ChoiceField(
        choices=Classification.choices, default=Classification.RESTRICTED,
        help_text="0 unclassified … 4 top secret (Law 03/L-178); at most your own clearance.",
    ),
    "handling_code": serializers.ChoiceField(choices=HandlingCode.choices, required=False, allow_blank=True, default=""),
}


class PersonSerializer(StrictModelSerializer):
    date_of_birth = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40,
        help_text="dd.mm.yyyy, mm.yyyy or yyyy; prefix ~ when approximate. A pseudonymised person shows the year only.",
    )
    sex = serializers.ChoiceField(choices=Sex.choices, default=Sex.UNKNOWN, allow_blank=True,
                                  help_text="Empty for a pseudonymised person.")
    name_script = serializers.CharField(read_only=True, help_text="latin or cyrillic; empty for a pseudonymised person.")
    nationality = CodeInField(required=False, allow_null=True, default=None, help_text="Country code (ISO 3166 or XK).")
    classification = MARKINGS["classification"]
    handling_code = MARKINGS["handling_code"]
    display_name = serializers.SerializerMethodField()
    pseudonymised = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    owner_institution = RefField(read_only=True)
    owner_unit = RefField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "public_id", "display_name", "pseudonymised", "given_name", "family_name", "father_name", "name_script",
            "date_of_birth", "birth_year", "sex", "personal_number", "nationality", "addresses", "classification",
            "handling_code", "merged_into", "owner_institution", "owner_unit", "created_at", "updated_at",
        ]
        read_only_fields = ["public_id", "birth_year", "created_at", "updated_at"]
        extra_kwargs = {
            "given_name": {"max_length": 100},
            "family_name": {"max_length": 100},
            "father_name": {"required": False, "allow_blank": True, "default": ""},
            "personal_number": {"required": False, "allow_blank": True, "default": "", "max_length": 20},
            "addresses": {"required": False, "allow_blank": True, "default": ""},
        }

    def get_display_name(self, person: Person) -> str:
        return person_view(person).name

    def get_pseudonymised(self, person: Person) -> bool:
        return person_view(person).masked

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_merged_into(self, person: Person) -> Any:
        return person.merged_into.public_id if person.merged_into_id and person.merged_into else None

    def to_representation(self, person: Person) -> dict[str, Any]:
        data = super().to_representation(person)
        view = person_view(person)
        data["date_of_birth"] = view.date_of_birth
        if view.masked:
            for name in ("given_name", "family_name", "father_name", "personal_number", "addresses", "sex", "name_script"):
                data[name] = ""
            data["nationality"] = None
        return data


class PersonRefSerializer(serializers.Serializer):
    public_id = serializers.UUIDField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class PersonDocumentSerializer(StrictModelSerializer):
    doc_type = serializers.ChoiceField(choices=DocumentType.choices)
    issuing_country = CodeInField(required=False, allow_null=True, default=None)

    class Meta:
        model = PersonDocument
        fields = ["public_id", "doc_type", "number", "issuing_country", "expires_on", "created_at"]
        read_only_fields = ["public_id", "created_at"]
        extra_kwargs = {"expires_on": {"required": False, "allow_null": True, "default": None}, "number": {"max_length": 40}}


class PersonSearchSerializer(StrictSerializer):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                 help_text="Any spelling, Albanian or Serbian, Latin or Cyrillic; any order.")
    date_of_birth = serializers.CharField(required=False, allow_blank=True, default="", max_length=40,
                                          help_text="dd.mm.yyyy, mm.yyyy or yyyy; matched with a tolerance.")
    personal_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    document_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    purpose = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                    help_text="Why you search (logged). A purpose or a case reference is required.")
    case_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    limit = serializers.IntegerField(required=False, default=20, min_value=1, max_value=100)


class ReasonOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    rules = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()


class PersonMatchSerializer(serializers.Serializer):
    person = PersonSerializer()
    score = serializers.IntegerField(help_text="0–100")
    reasons = ReasonOutSerializer(many=True)


class PersonSearchResultSerializer(serializers.Serializer):
    search = serializers.UUIDField(help_text="The logged search (its consultation event names it).")
    results = PersonMatchSerializer(many=True)


class MergeRequestSerializer(StrictSerializer):
    duplicate = serializers.UUIDField(help_text="The person merged into this one.")
    reason = serializers.CharField(max_length=2000)


class PersonMergeSerializer(serializers.ModelSerializer):
    survivor = serializers.UUIDField(source="survivor.public_id", read_only=True)
    duplicate = serializers.UUIDField(source="duplicate.public_id", read_only=True)
    moved_documents = serializers.SerializerMethodField()
    moved_links = serializers.SerializerMethodField()

    class Meta:
        model = PersonMerge
        fields = ["public_id", "survivor", "duplicate", "reason", "moved_documents", "moved_links", "created_at", "undone_at",
                  "undo_reason"]
        read_only_fields = fields

    def get_moved_documents(self, merge: PersonMerge) -> int:
        return len(merge.moved_document_ids)

    def get_moved_links(self, merge: PersonMerge) -> int:
        return len(merge.moved_link_ids) + len(merge.moved_record_link_ids)


class OrganisationSerializer(StrictModelSerializer):
    org_type = serializers.ChoiceField(choices=OrganisationType.choices, default=OrganisationType.BUSINESS)
    classification = MARKINGS["classification"]
    handling_code = MARKINGS["handling_code"]
    owner_institution = RefField(read_only=True)
    owner_unit = RefField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "public_id", "name", "business_number", "org_type", "classification", "handling_code", "contains_personal_data",
            "owner_institution", "owner_unit", "created_at", "updated_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at"]
        extra_kwargs = {"business_number": {"required": False, "allow_blank": True, "default": ""}}


class VehicleSerializer(StrictModelSerializer):
    plate_format = CodeInField(required=False, allow_null=True, default=None, help_text="A plate-format code (neutral labels).")
    classification = MARKINGS["classification"]
    handling_code = MARKINGS["handling_code"]
    owner_institution = RefField(read_only=True)
    owner_unit = RefField(read_only=True)

    class Meta:
        model = Vehicle
        fields = [
            "public_id", "plate", "plate_format", "vin", "make", "model", "colour", "classification", "handling_code",
            "contains_personal_data", "owner_institution", "owner_unit", "created_at", "updated_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at"]
        extra_kwargs = {
            name: {"required": False, "allow_blank": True, "default": ""} for name in ("plate", "vin", "make", "model", "colour")
        }


class AcquittalSerializer(StrictSerializer):
    acquitted_at = serializers.DateField(help_text="The day the suspect's acquittal became final.")


class PartyRefSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="person, organisation or vehicle")
    public_id = serializers.UUIDField()


class RecordInSerializer(StrictSerializer):
    type = serializers.CharField(max_length=100, help_text="app_label.model, e.g. bulletins.bulletin")
    public_id = serializers.UUIDField()


class PartyLinkSerializer(StrictModelSerializer):
    """A link as shown (parties by id only: read a person through persons/{id}/, which is logged), and
    the body that creates one: the record, exactly one of person / organisation / vehicle, the role, the
    data-subject category (persons), fact or assessment, and the protection flags."""

    record = RecordInSerializer(write_only=True)
    person = serializers.UUIDField(write_only=True, required=False, allow_null=True, default=None)
    organisation = serializers.UUIDField(write_only=True, required=False, allow_null=True, default=None)
    vehicle = serializers.UUIDField(write_only=True, required=False, allow_null=True, default=None)
    role = serializers.ChoiceField(choices=PartyRole.choices)
    subject_category = serializers.ChoiceField(choices=SubjectCategory.choices, required=False, allow_blank=True, default="")
    nature = serializers.ChoiceField(choices=Nature.choices, default=Nature.FACT)
    linked_record = serializers.SerializerMethodField()
    party = serializers.SerializerMethodField()

    class Meta:
        model = PartyLink
        fields = [
            "public_id", "record", "person", "organisation", "vehicle", "linked_record", "party", "role", "subject_category",
            "nature", "protected_witness", "juvenile", "note", "acquitted_at", "created_at", "removed_at", "remove_reason",
        ]
        read_only_fields = ["public_id", "acquitted_at", "created_at", "removed_at", "remove_reason"]
        extra_kwargs = {
            "protected_witness": {"required": False, "default": False},
            "juvenile": {"required": False, "default": False},
            "note": {"required": False, "allow_blank": True, "default": "", "max_length": 2000},
        }

    @extend_schema_field(RecordRefSerializer)
    def get_linked_record(self, link: PartyLink) -> dict[str, Any]:
        public_ids = self.context.get("record_public_ids", {})
        return {
            "type": f"{link.content_type.app_label}.{link.content_type.model}",
            "public_id": public_ids.get((link.content_type_id, link.object_id)),
        }

    @extend_schema_field(PartyRefSerializer)
    def get_party(self, link: PartyLink) -> dict[str, Any]:
        party = link.party
        return {"type": party._meta.model_name, "public_id": party.public_id}
