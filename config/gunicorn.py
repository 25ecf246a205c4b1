"""gunicorn settings of the production setup (scripts/serve.sh, docs/deployment.md).

    gunicorn -c config/gunicorn.py config.wsgi

Sized for the field office's two cores: a few processes (one per core and one more, so a
slow page or a PDF does not hold every request) of a few threads each (a request mostly
waits on PostgreSQL; password hashing and PDF rendering release the GIL). Override with
PASSERELLE_WEB_WORKERS / PASSERELLE_WEB_THREADS. gunicorn listens on PASSERELLE_WEB_BIND
(the production setup: a Unix socket only nginx can reach).

The access log never holds a query string: filters and searches can carry a name or a place
(`?q=…`), so a line has the method, the path without its query, the status, the size and the
duration. Referrers (which carry the previous page's query) and addresses are not logged here;
nginx logs the address of each request.
"""

import os

_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

bind = [os.environ.get("PASSERELLE_WEB_BIND", "127.0.0.1:8001")]
worker_class = "gthread"
workers = int(os.environ.get("PASSERELLE_WEB_WORKERS", (_cores or 1) + 1))
threads = int(os.environ.get("PASSERELLE_WEB_THREADS", 4))

# A worker silent for 60 s is restarted (a request should never take that long; the proxy
# gives up at 75 s). On stop or reload, requests in flight get 20 s to finish.
timeout = 60
graceful_timeout = 20
keepalive = 15  # nginx keeps its connections to gunicorn open (upstream keepalive)
# Restart each process now and then, so that memory growth never accumulates.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Request limits in front of Django's own (core.middleware: 8 MB bodies).
limit_request_line = 8190
limit_request_fields = 100

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PASSERELLE_WEB_LOG_LEVEL", "info")
# %(U)s is the path without the query string; %(M)s the duration in milliseconds.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
proc_name = "passerelle"
# No runtime control socket (gunicornc): one per user's home, several setups would share it.
control_socket_disable = True
