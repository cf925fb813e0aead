"""Bria's HTTP API. Knows nothing of plans or state.

Entry points: `BriaClient` (api.py) with `RetryPolicy` (retry.py) and `Timeouts` (transport.py,
whose `RetryingSender` is the one path calls take: pacing.py, redaction.py); errors in
errors.py; zip building in bulkzip.py; staging of advanced-dataset zips in staging.py; files
Bria hosts (thumbnails) in downloads.py.
"""

from reconciler.client.api import BriaClient
from reconciler.client.retry import RetryPolicy
from reconciler.client.transport import Timeouts

__all__ = ["BriaClient", "RetryPolicy", "Timeouts"]
