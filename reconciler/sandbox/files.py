"""The sandbox's file host and the one place URLs are fetched.

Bria fetches `image_url`, `zip_url` and `model_url` itself. The sandbox does too, but never off
the machine: its own file host is read straight from the store (so the in-process sandbox needs
no socket), other loopback `http://` URLs are fetched with a bounded request, and everything
else is unreachable.
"""

from __future__ import annotations

import ipaddress
import mimetypes
from urllib.parse import quote, unquote, urlsplit

import httpx

from reconciler.sandbox.store import Store, StoredFile

FILES_PREFIX = "/_sandbox/files/"
FETCH_TIMEOUT_S = 10.0
HOLD_LIMIT = 512 * 1024 * 1024
"""Bytes the sandbox will hold in memory from one fetch; larger real files are refused."""


class Unreachable(Exception):
    """The URL cannot be fetched (outside loopback, missing, or the server said no)."""


class TooLarge(Exception):
    """The file is larger than the caller's limit."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


def name_from_url(url: str) -> str:
    """The last path segment of `url`, percent-decoded (the file name Bria would see)."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class FileHost:
    """Stores named files and hands out the URLs that serve them."""

    def __init__(self, store: Store, public_url: str) -> None:
        self._store = store
        self._public_url = public_url.rstrip("/")
        self._public_host = urlsplit(self._public_url).hostname or ""

    def url_for(self, name: str) -> str:
        return f"{self._public_url}{FILES_PREFIX}{quote(name)}"

    def public(self, path: str) -> str:
        """The sandbox's own URL for `path` (which starts with /), as clients reach it."""
        return f"{self._public_url}{path}"

    def put(
        self,
        name: str,
        data: bytes,
        *,
        content_type: str | None = None,
        declared_size: int | None = None,
    ) -> None:
        kind = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._store.put_file(name, data, content_type=kind, declared_size=declared_size)

    def get(self, name: str) -> StoredFile | None:
        return self._store.get_file(name)

    def delete(self, name: str) -> bool:
        """Remove the file; False when there was none."""
        if not self._store.has_file(name):
            return False
        self._store.delete_files([name])
        return True

    def fetch(self, url: str, *, limit: int, keep_bytes: bool = True) -> bytes:
        """The bytes behind `url` (`b""` unless `keep_bytes`), or Unreachable / TooLarge.

        Never leaves the machine.
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise Unreachable(url)
        own_host = host == self._public_host or _is_loopback(host)
        if own_host and parts.path.startswith(FILES_PREFIX):
            stored = self._store.get_file(unquote(parts.path[len(FILES_PREFIX) :]))
            if stored is None:
                raise Unreachable(url)
            if stored.size > limit:
                raise TooLarge(stored.size)
            return stored.data if keep_bytes else b""
        if parts.scheme != "http" or not _is_loopback(host):
            raise Unreachable(url)
        return self._fetch_loopback(url, limit=limit, keep_bytes=keep_bytes)

    def _fetch_loopback(self, url: str, *, limit: int, keep_bytes: bool) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            with (
                httpx.Client(timeout=FETCH_TIMEOUT_S, trust_env=False) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise Unreachable(url)
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise TooLarge(int(declared))
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(size)
                    if keep_bytes:
                        if size > HOLD_LIMIT:
                            raise TooLarge(size)
                        chunks.append(chunk)
        except httpx.HTTPError as error:
            raise Unreachable(url) from error
        return b"".join(chunks)
