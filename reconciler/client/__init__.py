"""Bria's HTTP API. Knows nothing of plans or state.

Entry points: `BriaClient` (api.py) with `RetryPolicy` and `Timeouts` (transport.py); errors
in errors.py; zip building in bulkzip.py; staging of advanced-dataset zips in staging.py.
"""

from reconciler.client.api import BriaClient
from reconciler.client.transport import RetryPolicy, Timeouts

__all__ = ["BriaClient", "RetryPolicy", "Timeouts"]
