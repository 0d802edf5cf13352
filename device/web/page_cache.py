"""Pages kept until the store changes.

A page of practice data changes only when something is committed to the
store: a session recorded, a note or a plan saved. Between two commits every
request for the same page builds the same bytes, and on a Pi's two to four
cores, with Python running one thread at a time, eight phones reloading the
trends page would queue behind each other's 20-60 ms of work. So a view
marked `@kept_until_change` answers from memory while the store's version
(device/store/version.py) is the one it was built at.

What a kept page depends on is all in its key:

- the store's version: any commit, by any process, and the page is rebuilt;
- today's date by the app's clock (trends, alerts and the report's default
  range move with it);
- the reader's language, and the path with its query.

A page is the same for every login but for its form token (CSRF): a kept
page keeps a hole where its builder's token was, and each answer fills it
with the reader's own.

The login check runs before the view (security.install), so a kept page is
never shown to anybody who is not logged in. A response that changed the
login's session (a CSRF token made while rendering) or is not a 200 is not
kept. Entries are evicted by size, least recently used first
(`web.page_cache_mb`; 0 turns the cache off, and every request builds its page).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec

from cachetools import LRUCache
from flask import Flask, Response, current_app, g, make_response, request, session
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf

from device.store.version import StoreVersion
from device.web.language import words
from device.web.params import today

P = ParamSpec("P")
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


# Where a kept page had its builder's CSRF token: no page has a NUL byte of its own.
TOKEN_HOLE = b"\x00form-token\x00"


@dataclass(frozen=True)
class KeptPage:
    body: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self, token: Callable[[], str]) -> Response:
        """The page, with this reader's own form token where the builder's was."""
        body = self.body.replace(TOKEN_HOLE, token().encode()) if TOKEN_HOLE in self.body else self.body
        return Response(body, status=200, headers=list(self.headers))


class PageCache:
    """Responses kept while `version()` is unchanged, bounded by size."""

    def __init__(self, version: Callable[[], int], megabytes: int) -> None:
        self.version = version
        self._pages: LRUCache[tuple[object, ...], KeptPage] = LRUCache(
            maxsize=max(megabytes, 0) * 1_000_000, getsizeof=lambda page: len(page.body) + 200
        )
        self._lock = threading.Lock()
        self.enabled = megabytes > 0

    def answer(self, depends_on: tuple[object, ...], build: Callable[[], ResponseReturnValue]) -> Response:
        """This GET's page from memory, or `build`'s, kept. `depends_on` is what
        else the page shows besides the store: today, the reader's language."""
        if not self.enabled or request.method != "GET":
            return make_response(build())
        key = (self.version(), *depends_on, request.full_path)
        with self._lock:
            kept = self._pages.get(key)
        if kept is not None:
            return kept.response(generate_csrf)
        response = make_response(build())
        if response.status_code == 200 and not session.modified and not response.is_streamed:
            body = response.get_data()
            # The login's form token leaves a hole, filled with each reader's own.
            token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
            if isinstance(token, str) and token:
                body = body.replace(token.encode(), TOKEN_HOLE)
            if len(body) + 200 <= self._pages.maxsize:
                headers = tuple((name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers)
                with self._lock:
                    self._pages[key] = KeptPage(body, headers)
        return response


def install(app: Flask, store_path: Path, megabytes: int) -> None:
    app.extensions["page_cache"] = PageCache(StoreVersion(store_path).current, megabytes)


def kept_until_change(view: Callable[P, ResponseReturnValue]) -> Callable[P, Response]:
    """Answer `view`'s GET from memory while the store has not changed (see the module's docstring)."""

    @functools.wraps(view)
    def answer(*args: P.args, **kwargs: P.kwargs) -> Response:
        cache: PageCache = current_app.extensions["page_cache"]
        return cache.answer((today(), words().language), lambda: view(*args, **kwargs))

    return answer
