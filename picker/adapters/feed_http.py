"""The feed over HTTP, with the standard library: one GET per page, errors sorted into
"try again" (`FeedUnavailable`) and "stop" (`FeedUnauthorized`, `FeedRefused`).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from picker.domain.feed import FeedConfig, FeedRefused, FeedUnavailable, error_for_status, page_url
from picker.i18n import _

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class FeedTransport(Protocol):
    """Fetches one page's bytes; raises `FeedError` subclasses. `HttpFeed` is the real one."""

    def get(self, kind: str, after: str, limit: int) -> bytes: ...


class HttpFeed:
    """The feed over HTTP with the standard library."""

    def __init__(self, config: FeedConfig) -> None:
        self.config = config
        host = urllib.parse.urlsplit(config.url).hostname or ""
        # A proxy from the environment must not capture a feed on this machine.
        handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK else []
        self._opener = urllib.request.build_opener(*handlers)

    def get(self, kind: str, after: str, limit: int) -> bytes:
        cfg = self.config
        request = urllib.request.Request(
            page_url(cfg.url, kind, after, limit),
            headers={"Authorization": f"Bearer {cfg.token}", "Accept": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=cfg.timeout_seconds) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode("utf-8", "replace") if exc.fp else ""
            raise error_for_status(exc.code, cfg.name, detail) from None
        except ValueError as exc:  # not a URL urllib can open: a config mistake
            raise FeedRefused(str(exc)) from None
        except (OSError, http.client.HTTPException) as exc:
            # URLError, timeouts, resets and cut-off bodies: the network, not the request.
            reason = getattr(exc, "reason", None) or exc.__class__.__name__
            raise FeedUnavailable(
                _("feed {source} cannot be reached: {error}", source=cfg.name, error=reason)
            ) from None
