"""gunicorn's configuration for `manage.py run_serve` (and the compose file's platform service).

Threaded workers (``gthread``): a request waiting on the database does not hold a whole process.
Sizes come from the environment (config/environment.py): KSSP_WEB_WORKERS, KSSP_WEB_THREADS.
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "config.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("KSSP_WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
threads = int(os.environ.get("KSSP_WEB_THREADS") or 4)
# Exports and the staging of imports answer within this; longer work runs in the task workers.
timeout = 120
graceful_timeout = 30
# Longer than a person's pause between two clicks (and than the load benchmark's 15 s of thinking): a
# connection closed by the server just as the client reuses it is answered "connection reset". Behind a
# proxy this is the proxy's own upstream pool.
keepalive = 20
# Recycle workers now and then so that a slow leak never grows without bound.
max_requests = 5000
max_requests_jitter = 500
# No access log: it would carry client addresses, which the public site must not keep (the platform logs
# requests itself, without them). Errors go to standard error.
accesslog = None
errorlog = "-"
# Only the local reverse proxy may say which scheme the client used.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "kssp-web"
# No control socket (gunicorn 24+): several servers on one host would share its default path.
control_socket_disable = True


def child_exit(server: Any, worker: Any) -> None:
    """A worker that ended leaves its live gauges behind unless told (prometheus_client multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
