import django_filters
from django.utils.translation import gettext_lazy as _

from kssp.portal.choices import SubmissionStatus, SubmissionTopic
from kssp.portal.models import PublicSubmission


class PublicSubmissionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SubmissionStatus.choices)
    topic = django_filters.ChoiceFilter(label=_("Topic"), choices=SubmissionTopic.choices)

    class Meta:
        model = PublicSubmission
        fields = ["status", "topic"]
