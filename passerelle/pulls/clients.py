"""Fetch new submissions from KoboToolbox (API v2) and ODK Central (through pyodk).

Both clients fetch EVERY new page before returning anything: a failure on any page (refused
credentials, a server error, a timeout in the middle of a page, an answer that is not JSON)
raises a `PullError` and nothing is handed to the import. They return the submissions as the
servers send them (Kobo's flat `group/question` dicts, ODK's OData documents) plus the
cursor of the newest one; passerelle.pulls.services turns them into import rows.

Safety: timeouts on every request; no redirect followed (the token would go with it); a
Kobo `next` link is followed only on the server's own origin; each page's body is read up to
a bound; the credentials are sent in headers only and never appear in an error, a log line
or the audit log (pyodk's own error logging, which quotes the server's answer, is silenced).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .errors import PullError

# pyodk logs every failed request with the server's answer; that answer may quote submissions.
logging.getLogger("pyodk").setLevel(logging.CRITICAL + 1)

USER_AGENT = "Passerelle pulls"


def timeouts() -> tuple[float, float]:
    """(connect, read) seconds; the read timeout applies between two reads of a page too."""
    return tuple(getattr(settings, "PASSERELLE_PULL_TIMEOUT", (10, 60)))


def page_size() -> int:
    return int(getattr(settings, "PASSERELLE_PULL_PAGE_SIZE", 1000))


def max_pages() -> int:
    return int(getattr(settings, "PASSERELLE_PULL_MAX_PAGES", 1000))


def max_page_bytes() -> int:
    return int(getattr(settings, "PASSERELLE_PULL_MAX_PAGE_BYTES", 64 * 1024 * 1024))


def retries() -> int:
    """Retries of a refused connection or a 5xx answer inside one pull (the job retries too)."""
    return int(getattr(settings, "PASSERELLE_PULL_RETRIES", 2))


@dataclass
class Fetched:
    submissions: list[dict] = field(default_factory=list)
    cursor: str = ""  # the newest submission (or edit) time seen, as the server wrote it
    cursor_id: str = ""
    pages: int = 0


# --------------------------------------------------------------------------- addresses


def _private_allowed() -> bool:
    return bool(getattr(settings, "PASSERELLE_PULLS_ALLOW_PRIVATE", not settings.PRODUCTION))


def _http_allowed() -> bool:
    return bool(getattr(settings, "PASSERELLE_PULLS_ALLOW_HTTP", not settings.PRODUCTION))


def check_address(url: str, *, resolve: bool = True) -> None:
    """Refuse what is not an https:// address of a public server (in production): the
    credentials never travel in clear, and a pull cannot be aimed at the machine's own
    network (the database, a metadata service)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PullError("address")
    if parts.scheme == "http" and not _http_allowed():
        raise PullError("address")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise PullError("address")
    if _private_allowed() or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        raise PullError("connection") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise PullError("address")


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def _status_error(status: int) -> PullError:
    if status in (401, 403):
        return PullError("auth", status=status)
    if status == 404:
        return PullError("not_found", status=status)
    if 300 <= status < 400:
        return PullError("redirect", status=status)
    if status >= 500:
        return PullError("server", status=status)
    return PullError("http", status=status)


def _network_error(exc: Exception) -> PullError:
    text = type(exc).__name__ + " " + " ".join(type(a).__name__ for a in exc.args)
    if isinstance(exc, requests.Timeout) or "Timeout" in text:
        return PullError("timeout")
    if isinstance(exc, requests.TooManyRedirects):
        return PullError("redirect", status=302)
    return PullError("connection")


def _adapter(adapter_class=requests.adapters.HTTPAdapter, **kwargs):
    from urllib3.util.retry import Retry

    retry = Retry(
        total=retries(),
        connect=retries(),
        read=0,  # a page that stalls is a failure, not something to ask again and again
        backoff_factor=0.5,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        redirect=0,
    )
    return adapter_class(max_retries=retry, **kwargs)


# --------------------------------------------------------------------------- KoboToolbox


def _read_json(response) -> object:
    """The body of a streamed response, bounded, parsed as JSON."""
    limit = max_page_bytes()
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > limit:
            raise PullError("malformed")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError):
        raise PullError("malformed") from None


class KoboClient:
    """KoboToolbox API v2: `GET {base}/api/v2/assets/<uid>/data/?format=json` with
    `Authorization: Token <token>`, `limit`/`start` paging and its `next` links, a Mongo-style
    `query` on `_submission_time`, oldest first."""

    def __init__(self, *, base_url: str, token: str, asset_uid: str):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.asset_uid = asset_uid

    def data_url(self) -> str:
        return f"{self.base_url}/api/v2/assets/{self.asset_uid}/data/"

    def fetch(self, *, since: str = "") -> Fetched:
        check_address(self.base_url)
        session = requests.Session()
        session.mount("https://", _adapter())
        session.mount("http://", _adapter())
        session.headers.update(
            {
                "Authorization": f"Token {self.token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
        )
        params = {
            "format": "json",
            "limit": page_size(),
            "start": 0,
            "sort": json.dumps({"_submission_time": 1}),
        }
        if since:
            params["query"] = json.dumps({"_submission_time": {"$gt": since}})
        url, origin = self.data_url(), _origin(self.base_url)
        fetched = Fetched()
        seen: dict = {}
        try:
            while url:
                if fetched.pages >= max_pages():
                    raise PullError("too_many_pages", pages=max_pages())
                response = session.get(
                    url, params=params, timeout=timeouts(), allow_redirects=False, stream=True
                )
                with response:
                    if response.status_code != 200:
                        raise _status_error(response.status_code)
                    page = _read_json(response)
                fetched.pages += 1
                if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                    raise PullError("malformed")
                for submission in page["results"]:
                    if not isinstance(submission, dict):
                        raise PullError("malformed")
                    seen[str(submission.get("_id") or submission.get("_uuid"))] = submission
                url, params = page.get("next") or "", None  # `next` carries the parameters
                if url and _origin(url) != origin:
                    raise PullError("foreign_link")
        except requests.RequestException as exc:
            raise _network_error(exc) from None
        finally:
            session.close()
        fetched.submissions = list(seen.values())
        newest = max(
            fetched.submissions, key=lambda s: str(s.get("_submission_time") or ""), default=None
        )
        if newest is not None:
            fetched.cursor = str(newest.get("_submission_time") or "")
            fetched.cursor_id = str(newest.get("_id") or "")
        return fetched


# --------------------------------------------------------------------------- ODK Central


def odk_time(value: str) -> str:
    """A cursor as an OData date-time literal (UTC)."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    # as Central writes its own times: UTC, milliseconds, "Z"
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _changed_at(submission: dict) -> str:
    system = submission.get("__system") or {}
    return max(str(system.get("submissionDate") or ""), str(system.get("updatedAt") or ""))


class OdkClient:
    """ODK Central through pyodk: a session opened with the web user's e-mail and password
    (`POST /v1/sessions`) or a bearer token given, then the form's OData `Submissions` table,
    repeats expanded, filtered on `__system/submissionDate` and `__system/updatedAt` (so an
    edited submission comes again), paged with `$top` / `$skip` while the server gives an
    `@odata.nextLink`. pyodk's token cache file is not used (the token stays in memory)."""

    def __init__(
        self,
        *,
        base_url: str,
        project_id: int,
        form_id: str,
        email: str = "",
        password: str = "",
        token: str = "",
    ):
        self.base_url = base_url.rstrip("/")
        self.project_id = project_id
        self.form_id = form_id
        self.email, self.password, self.token = email, password, token

    def _client(self):
        from pyodk._utils.config import CentralConfig, Config
        from pyodk._utils.session import Adapter, Session
        from pyodk.client import Client

        username = self.email or "token"
        password = self.password or "token"
        session = Session(
            base_url=self.base_url,
            api_version="v1",
            username=username,
            password=password,
            cache_path=None,  # never write the session token to a file
        )
        # pyodk mounts https only, with long timeouts and retries of 5xx; ours on both schemes
        for prefix in ("https://", "http://"):
            session.mount(prefix, _adapter(Adapter, timeout=timeouts()))
        session.max_redirects = 0
        session.headers["User-Agent"] = USER_AGENT
        if self.token:
            session.headers["Authorization"] = f"Bearer {self.token}"
        config = Config(
            central=CentralConfig(base_url=self.base_url, username=username, password=password)
        )
        return Client(config=config, session=session, project_id=self.project_id)

    def fetch(self, *, since: str = "") -> Fetched:
        from pyodk.errors import PyODKError

        check_address(self.base_url)
        fetched = Fetched()
        seen: dict = {}
        query = None
        if since:
            moment = odk_time(since)
            query = f"__system/submissionDate gt {moment} or __system/updatedAt gt {moment}"
        client = self._client()
        try:
            with client:
                skip = 0
                while True:
                    if fetched.pages >= max_pages():
                        raise PullError("too_many_pages", pages=max_pages())
                    page = client.submissions.get_table(
                        form_id=self.form_id,
                        project_id=self.project_id,
                        skip=skip or None,
                        top=page_size(),
                        filter=query,
                        expand="*",
                    )
                    fetched.pages += 1
                    rows = page.get("value") if isinstance(page, dict) else None
                    if not isinstance(rows, list):
                        raise PullError("malformed")
                    for submission in rows:
                        if not isinstance(submission, dict) or "__id" not in submission:
                            raise PullError("malformed")
                        seen[str(submission["__id"])] = submission
                    skip += len(rows)
                    if not rows or not page.get("@odata.nextLink"):
                        break
        except PyODKError as exc:
            response = exc.args[1] if len(exc.args) > 1 else None
            status = getattr(response, "status_code", None)
            if status is None:
                raise PullError("auth", status=401) from None  # login answered without a token
            raise _status_error(status) from None
        except (requests.exceptions.JSONDecodeError, ValueError):  # an answer that is not JSON
            raise PullError("malformed") from None
        except requests.RequestException as exc:
            raise _network_error(exc) from None
        fetched.submissions = list(seen.values())
        newest = max(fetched.submissions, key=_changed_at, default=None)
        if newest is not None:
            fetched.cursor = _changed_at(newest)
            fetched.cursor_id = str(newest.get("__id") or "")
        return fetched


def client_for(connection):
    """The client of a connection, with its decrypted credentials (kept in memory only)."""
    secret = connection.credentials()
    if connection.kind == connection.Kind.KOBO:
        return KoboClient(
            base_url=connection.base_url,
            token=secret.get("token", ""),
            asset_uid=connection.asset_uid,
        )
    return OdkClient(
        base_url=connection.base_url,
        project_id=connection.project_id,
        form_id=connection.form_id,
        email=secret.get("email", ""),
        password=secret.get("password", ""),
        token=secret.get("token", ""),
    )
