"""django-guardian's direct-foreign-key object permissions for bulletins: the option its documentation
recommends for large tables (an integer foreign key instead of the generic text ``object_pk``)."""

from __future__ import annotations

from django.db import models
from guardian.models import UserObjectPermissionBase


class BulletinUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("bulletins.Bulletin", on_delete=models.CASCADE)
