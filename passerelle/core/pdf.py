"""PDF documents from HTML (WeasyPrint), offline: only files of the static directory are read,
never the network."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders


def _local_only(url: str):
    """WeasyPrint's fetcher: files of the static directory only, never the network."""
    from weasyprint import default_url_fetcher

    static_dir = Path(finders.find("css/passerelle.css")).resolve().parent.parent
    if url.startswith("file://"):
        path = Path(url[len("file://") :]).resolve()
        if path.is_relative_to(static_dir):
            return default_url_fetcher(url)
    raise ValueError(f"Passerelle does not fetch {url!r} while making a PDF.")


def render_pdf(html: str, stylesheet: str) -> bytes:
    """The PDF of `html` styled by the static file `stylesheet` (e.g. "css/passerelle.css")."""
    from weasyprint import CSS, HTML

    css = finders.find(stylesheet)
    return HTML(string=html, base_url=str(Path(css).parent), url_fetcher=_local_only).write_pdf(
        stylesheets=[CSS(filename=css, url_fetcher=_local_only)]
    )


def filename_part(text: str, default: str = "document") -> str:
    """A piece of a download's file name: letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or default
