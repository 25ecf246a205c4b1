"""The address a request came from, behind the reverse proxy of the production setup.

Behind nginx every request reaches gunicorn from the proxy (a Unix socket: no address at
all), so the login lockout (django-axes: 5 failures per username and address) would count
every person's failures together and one person could lock a user out for everyone. The
proxy sets `X-Real-IP` to the address it saw, overwriting whatever the client sent
(deploy/nginx.conf.template); production settings read it through this function
(`AXES_CLIENT_IP_CALLABLE`, only when PASSERELLE_BEHIND_PROXY=1). Without the header, or
with a value that is not an address, the socket's own address is used.
"""

from __future__ import annotations

import ipaddress


def client_ip(request) -> str | None:
    if request is None:
        return None
    meta = request.META
    forwarded = meta.get("HTTP_X_REAL_IP", "").strip()
    if forwarded:
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return meta.get("REMOTE_ADDR") or None
