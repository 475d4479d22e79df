"""Settings for the benchmarks only: the product settings plus the peer libraries that serve as
baselines (ARCHITECTURE "Benchmarks"). The product never loads this module and never imports these
libraries; they come from requirements-bench.lock.

* django-guardian: per-object permission rows, the baseline of ``benchmarks/bench_visibility.py``;
* django-import-export and django-auditlog: the baselines of ``bench_import.py`` and ``bench_audit.py``
  (auditlog is registered on the bulletin model by the benchmark itself, only while its baseline runs);
* ``benchmarks.peers``: guardian's direct-foreign-key permission model for bulletins (its documented
  performance option) and the import-export resource.
"""

from __future__ import annotations

from config.settings import *  # noqa: F403
from config.settings import AUTHENTICATION_BACKENDS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "guardian", "import_export", "auditlog", "benchmarks.peers"]
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "guardian.backends.ObjectPermissionBackend"]

# guardian: no anonymous user row (the product has no anonymous readers).
ANONYMOUS_USER_NAME = None
# auditlog: read the previous version of a row through the plain base manager (protected models'
# default managers are scoped to an actor).
AUDITLOG_USE_BASE_MANAGER = True
