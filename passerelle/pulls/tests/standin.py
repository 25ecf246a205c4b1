"""Local stand-ins for KoboToolbox and ODK Central: small threaded HTTP servers on an
ephemeral port serving the documented responses.

- Kobo (API v2): `GET /api/v2/assets/<uid>/data/?format=json&limit=&start=&query=&sort=`
  with `Authorization: Token <t>`; answers `{"count", "next", "previous", "results"}`,
  `next` an absolute link on the same server; `query` understood for
  `{"_submission_time": {"$gt": "…"}}`.
- ODK Central (v1): `POST /v1/sessions` `{"email", "password"}` → `{"token", …}`;
  `GET /v1/users/current`; `GET /v1/projects/<p>/forms/<f>.svc/Submissions` with
  `$top`, `$skip`, `$filter` (`__system/submissionDate gt …` / `__system/updatedAt gt …`),
  `$expand`, answering `{"@odata.context", "value", "@odata.nextLink"}` (bearer token).

Modes (`server.mode`): "ok"; "auth" (every request refused, 401 / 403); "hang" (the second
page sends its headers and half its body, then stalls); "error" (the second page answers 500);
"garbage" (the second page is not JSON). `server.requests` records the paths asked.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

KOBO_TOKEN = "kobo-test-token-5f1e"
ODK_EMAIL = "pulls@example.org"
ODK_PASSWORD = "odk-test-password-9c2a"
ODK_TOKEN = "odk-session-token-77ab"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class StandIn:
    """A running stand-in: `url`, `mode`, `submissions` (served as stored), `requests`."""

    kind = ""

    def __init__(self, submissions=None, *, mode: str = "ok", page_size: int = 2):
        self.submissions = list(submissions or [])
        self.mode = mode
        self.page_size = page_size
        self.hang_seconds = 5.0
        self.requests: list[str] = []
        self.bodies: list[bytes] = []
        self._stop = threading.Event()
        handler = self._handler()
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                standin.requests.append(self.path)
                standin.handle(self, "GET")

            def do_POST(self):
                standin.requests.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                standin.bodies.append(self.rfile.read(length))
                standin.handle(self, "POST")

        return Handler

    # helpers for subclasses
    def send_json(self, handler, status: int, payload) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def send_page(self, handler, payload, *, second: bool) -> None:
        """A page of submissions, spoilt when this is a later page and the mode says so."""
        if second and self.mode == "error":
            return self.send_json(handler, 500, {"detail": "Internal Server Error"})
        body = json.dumps(payload).encode()
        if second and self.mode == "garbage":
            body = b"<html><body>Bad gateway</body></html>"
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if second and self.mode == "hang":
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            self._stop.wait(self.hang_seconds)
            return None
        handler.wfile.write(body)
        return None


def _query(path: str) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


class KoboStandIn(StandIn):
    kind = "kobo"

    def __init__(self, submissions=None, *, asset_uid: str = "aPMtest2026", **kwargs):
        super().__init__(submissions, **kwargs)
        self.asset_uid = asset_uid

    def handle(self, handler, method: str) -> None:
        parts = urlsplit(handler.path)
        if method != "GET" or parts.path != f"/api/v2/assets/{self.asset_uid}/data/":
            return self.send_json(handler, 404, {"detail": "Not found."})
        if self.mode == "auth" or handler.headers.get("Authorization") != f"Token {KOBO_TOKEN}":
            return self.send_json(handler, 401, {"detail": "Invalid token."})
        query = _query(handler.path)
        rows = sorted(self.submissions, key=lambda s: s["_submission_time"])
        if "query" in query:
            condition = json.loads(query["query"]).get("_submission_time", {})
            if "$gt" in condition:
                rows = [s for s in rows if s["_submission_time"] > condition["$gt"]]
        limit = int(query.get("limit") or self.page_size)
        limit = min(limit, self.page_size)  # the server's own page size caps the client's
        start = int(query.get("start") or 0)
        page = rows[start : start + limit]
        following = None
        if start + limit < len(rows):
            params = dict(query, start=start + limit, limit=limit)
            following = f"{self.url}{parts.path}?{urlencode(params)}"
        payload = {"count": len(rows), "next": following, "previous": None, "results": page}
        return self.send_page(handler, payload, second=start > 0)


class OdkStandIn(StandIn):
    kind = "odk"

    def __init__(
        self, submissions=None, *, project_id: int = 7, form_id: str = "pm_form", **kwargs
    ):
        super().__init__(submissions, **kwargs)
        self.project_id = project_id
        self.form_id = form_id
        self.logins = 0

    def _authorised(self, handler) -> bool:
        return self.mode != "auth" and handler.headers.get("Authorization") == f"Bearer {ODK_TOKEN}"

    def handle(self, handler, method: str) -> None:
        parts = urlsplit(handler.path)
        if method == "POST" and parts.path == "/v1/sessions":
            self.logins += 1
            credentials = json.loads(self.bodies[-1] or b"{}")
            if self.mode == "auth" or credentials != {"email": ODK_EMAIL, "password": ODK_PASSWORD}:
                return self.send_json(
                    handler,
                    401,
                    {
                        "code": 401.2,
                        "message": "Could not authenticate with the provided credentials.",
                    },
                )
            return self.send_json(
                handler,
                200,
                {
                    "token": ODK_TOKEN,
                    "csrf": "x",
                    "createdAt": "2026-12-01T00:00:00.000Z",
                    "expiresAt": "2026-12-02T00:00:00.000Z",
                },
            )
        if method == "GET" and parts.path == "/v1/users/current":
            if not self._authorised(handler):
                return self.send_json(handler, 401, {"code": 401.2, "message": "Unauthorized"})
            return self.send_json(handler, 200, {"id": 1, "email": ODK_EMAIL})
        table = f"/v1/projects/{self.project_id}/forms/{self.form_id}.svc/Submissions"
        if method != "GET" or parts.path != table:
            return self.send_json(handler, 404, {"code": 404.1, "message": "Not found"})
        if not self._authorised(handler):
            return self.send_json(handler, 403, {"code": 403.1, "message": "Forbidden"})
        query = _query(handler.path)
        rows = list(self.submissions)
        bound = None
        condition = query.get("$filter", "")
        if " gt " in condition:
            bound = condition.split(" gt ")[1].split(" ")[0]
        if bound:
            rows = [
                s
                for s in rows
                if _odk_norm(s["__system"]["submissionDate"]) > _odk_norm(bound)
                or _odk_norm(s["__system"].get("updatedAt") or "") > _odk_norm(bound)
            ]
        rows.sort(key=lambda s: s["__system"]["submissionDate"], reverse=True)  # newest first
        top = min(int(query.get("$top") or self.page_size), self.page_size)
        skip = int(query.get("$skip") or 0)
        page = rows[skip : skip + top]
        payload = {
            "@odata.context": f"{self.url}/v1/projects/{self.project_id}/forms/"
            f"{self.form_id}.svc/$metadata#Submissions",
            "value": page,
        }
        if skip + top < len(rows):
            params = dict(query, **{"$skip": skip + top})
            payload["@odata.nextLink"] = f"{self.url}{parts.path}?{urlencode(params)}"
        return self.send_page(handler, payload, second=skip > 0)


def _odk_norm(value: str) -> str:
    """An OData/ISO time as comparable text (UTC, milliseconds)."""
    if not value:
        return ""
    import datetime as dt

    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def wait_until_listening(standin: StandIn, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not standin.thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
