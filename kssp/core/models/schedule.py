from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One row per (job, period) the sweeper has completed, so that a rerun in the same period is a no-op."""

    job = models.CharField(_("job"), max_length=100)
    period = models.CharField(_("period"), max_length=40)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="periodic_run_job_period_unique")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.job}@{self.period}"
