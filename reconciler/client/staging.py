"""Where an advanced dataset's ZIP is put so that Bria can fetch it by URL.

Bria's bulk upload takes a `zip_url`, not the bytes, so the ZIP must first sit somewhere
Bria can reach: an S3 bucket (pre-signed GET URL that expires) or, against the sandbox, the
sandbox's own file host. Either way the staged copy is deleted once the bulk upload is over:

    async with staged(stager, zip_path, "v1.zip") as url:
        await client.bulk_upload(dataset_id, url)
        ... poll client.bulk_upload_status(dataset_id) until it is completed or failed ...

A caller that must be able to delete the copy after a crash picks the key first
(`new_key`, no I/O), journals `location` and the key, then `put(path, name, key=key)`; a later
run removes it with `remove(StagedFile(stager.where(key), key))` from a stager whose
`location` is the same.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlparse

from reconciler.errors import TailorError
from reconciler.records import record

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("reconciler.client")

CHUNK_BYTES = 1 << 20


class StagingError(TailorError):
    """The ZIP could not be put where Bria fetches it, or not removed afterwards."""


@record
class StagedFile:
    """A staged copy: the URL Bria fetches and the key that removes it."""

    url: str
    key: str


class Stager(Protocol):
    location: str
    """The staging area as a whole (no secret in it): a key is only meaningful there."""

    def new_key(self, name: str) -> str:
        """A key for `name` that no other run picks; nothing is stored yet."""
        ...

    def where(self, key: str) -> str:
        """The staged copy's location for messages (never a pre-signed URL)."""
        ...

    async def put(self, path: Path, name: str, *, key: str | None = None) -> StagedFile:
        """Copy the file at `path` to the staging area; `name` is its base name there, under
        `key` when given (from `new_key`)."""
        ...

    async def remove(self, staged: StagedFile) -> None:
        """Delete the staged copy (missing already is fine)."""
        ...


@asynccontextmanager
async def staged(stager: Stager, path: Path, name: str) -> AsyncIterator[str]:
    """Stage `path` for the duration of the block, yielding the URL Bria fetches."""
    copy = await stager.put(path, name)
    try:
        yield copy.url
    finally:
        await stager.remove(copy)


def _unique(name: str) -> str:
    """A name that no other run picks, so parallel runs never overwrite each other's ZIP."""
    return f"{secrets.token_hex(6)}-{name}"


class S3Stager:
    """Stages into `s3://bucket/prefix` and hands Bria a pre-signed GET URL.

    `client` is a boto3 S3 client (built from the default AWS credential chain when None).
    Pre-signed URLs expire after `expires_in` seconds; long enough for Bria to fetch the ZIP.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any | None = None,
        expires_in: int = 3600,
        endpoint_url: str | None = None,
        region_name: str | None = None,
    ) -> None:
        if not bucket:
            raise StagingError("the S3 staging location needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.location = f"s3://{bucket}"
        self.expires_in = expires_in
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region_name,
                config=Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path" if endpoint_url else "auto"},
                ),
            )
        self._s3 = client

    @classmethod
    def from_url(cls, url: str, **options: Any) -> S3Stager:
        """`s3://bucket/some/prefix/` as written in tailor.yaml's `staging`."""
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise StagingError(
                f"staging location {url!r} is not an s3://bucket/prefix URL",
                hint="Write it like s3://my-bucket/tailor/.",
            )
        return cls(parsed.netloc, parsed.path, **options)

    def __repr__(self) -> str:
        return f"S3Stager(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def new_key(self, name: str) -> str:
        unique = _unique(name)
        return f"{self.prefix}/{unique}" if self.prefix else unique

    def where(self, key: str) -> str:
        return f"{self.location}/{key}"

    async def put(self, path: Path, name: str, *, key: str | None = None) -> StagedFile:
        key = key or self.new_key(name)
        try:
            await asyncio.to_thread(self._s3.upload_file, str(path), self.bucket, key)
            url = await asyncio.to_thread(
                self._s3.generate_presigned_url,
                "get_object",
                Params={"Bucket": self.bucket, "Key": key},
                ExpiresIn=self.expires_in,
            )
        except Exception as error:  # boto3 raises many unrelated families
            raise StagingError(
                f"could not stage {name} in s3://{self.bucket}/{key}: {_boto_reason(error)}",
                hint="Check the bucket name, its region and your AWS credentials.",
            ) from error
        logger.debug("staged %s as s3://%s/%s", name, self.bucket, key)
        return StagedFile(url=str(url), key=key)

    async def remove(self, staged: StagedFile) -> None:

        try:
            await asyncio.to_thread(self._s3.delete_object, Bucket=self.bucket, Key=staged.key)
        except Exception as error:
            raise StagingError(
                f"could not delete s3://{self.bucket}/{staged.key}: {_boto_reason(error)}",
                hint="Delete the object by hand; it is no longer needed.",
            ) from error
        logger.debug("removed s3://%s/%s", self.bucket, staged.key)


def _boto_reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        detail = response.get("Error", {})
        if isinstance(detail, dict) and detail.get("Code"):
            return f"{detail.get('Code')}: {detail.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"


def sandbox_root(base_url: str) -> str:
    """The sandbox host root: the API base URL without its trailing /v1."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


class SandboxStager:
    """Stages on the sandbox's file host (`PUT /_sandbox/files/{name}`, outside /v1).

    Removal sends DELETE, as to a bucket; a file host that does not offer it (405: an older
    sandbox) keeps the file until the sandbox is reset, which is harmless for an emulator.

    `base_url` is the API base (…/v1); `transport` lets the in-process sandbox serve it.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 300.0,
    ) -> None:
        self.root = sandbox_root(base_url)
        self.location = f"{self.root}/_sandbox/files"
        self._transport = transport
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SandboxStager(root={self.root!r})"

    def _client(self) -> httpx.AsyncClient:
        import httpx  # an advanced dataset's ZIP only: the API's own calls need none of it

        return httpx.AsyncClient(transport=self._transport, timeout=self._timeout)

    def new_key(self, name: str) -> str:
        return _unique(name)

    def where(self, key: str) -> str:
        return f"{self.location}/{quote(key, safe='')}"

    async def put(self, path: Path, name: str, *, key: str | None = None) -> StagedFile:
        import httpx

        key = key or self.new_key(name)
        url = self.where(key)
        try:
            size = path.stat().st_size
            async with self._client() as http:
                response = await http.put(
                    url,
                    content=_read_chunks(path),
                    headers={"content-length": str(size),
                             "content-type": "application/octet-stream"},
                )
        except (OSError, httpx.HTTPError) as error:
            raise StagingError(f"could not stage {name} on the sandbox: {error}") from error
        if not response.is_success:
            raise StagingError(
                f"the sandbox file host refused {name}: HTTP {response.status_code}"
            )
        logger.debug("staged %s at %s", name, url)
        return StagedFile(url=url, key=key)

    async def remove(self, staged: StagedFile) -> None:
        import httpx

        try:
            async with self._client() as http:
                response = await http.delete(self.where(staged.key))
        except httpx.HTTPError as error:
            raise StagingError(f"could not delete {staged.url}: {error}") from error
        if response.status_code == 405:
            logger.debug("the sandbox file host cannot delete; %s stays until reset", staged.url)
            return
        if not response.is_success and response.status_code != 404:
            raise StagingError(
                f"the sandbox file host did not delete {staged.url}: HTTP {response.status_code}"
            )


async def _read_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            yield chunk
