"""The one table of the core: the periodic runner's claims (core.periodic)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One periodic job in one interval, claimed by the runner that runs it. The unique pair
    (job, slot) is the claim: a second runner — the same one restarted within the interval,
    or another machine's — fails to insert it and skips the job."""

    job = models.CharField(_("job"), max_length=100)
    # The start of the interval the run belongs to (UTC, a multiple of the interval).
    slot = models.DateTimeField(_("interval"))
    runner = models.CharField(_("runner"), max_length=200)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_once_per_slot")
        ]
        indexes = [models.Index(fields=["started_at"], name="periodic_run_started")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S}"
