"""The fetcher interface the pipeline is written against (a Protocol, no I/O).

fetch.Fetcher is the real one; tests pass fakes. It lives apart from core so that the
modules core drives (listing, adding, checks) can name it without importing core back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from digestctl.fetch import FetchRequest, FetchResponse


class FetcherLike(Protocol):
    async def fetch(self, req: FetchRequest) -> FetchResponse: ...
