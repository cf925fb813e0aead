"""FIBO's calls: Generate Visual Schema, Refine Structured Prompt, v2 image generation.

A mixin of BriaClient, apart from the training API's CRUD in `api.py`. None of these calls
creates an object at Bria, so each is retried freely after a lost answer. v2 lives beside the
configured v1 base URL (`…/v1` → `…/v2`, as Bria serves them); a running request's status is
read by its id on that base, never at the answer's `status_url`, so the token goes nowhere else.
"""

from __future__ import annotations

from reconciler.client.answers import one
from reconciler.client.models import (
    GenerateImageRequest,
    GenerateVisualSchemaRequest,
    ImageAccepted,
    ImageGenerated,
    RefineStructuredPromptRequest,
    RequestStatus,
    StructuredPrompt,
    VisualSchema,
)
from reconciler.client.models import json_object as json_object
from reconciler.client.transport import Call, RetryingSender
from reconciler.client.wire import Answer

V2 = "../v2"
"""v2 paths, relative to the v1 base URL."""


def _generated(response: Answer) -> ImageGenerated | ImageAccepted:
    """200 holds the image, 202 the id of a request still running."""
    if response.status_code == 202:
        return one(ImageAccepted)(response)
    return one(ImageGenerated)(response)


class FiboCalls:
    """The FIBO methods of BriaClient, which sets `_t`."""

    _t: RetryingSender

    async def generate_visual_schema(self, request: GenerateVisualSchemaRequest) -> VisualSchema:
        """Stateless (no dataset): the schema is set afterwards with Update Dataset."""
        call = Call("POST", "/tailored-gen/generate_visual_schema", json=request.body(),
                    kind="upload")
        return await self._t.request(call, one(VisualSchema), idempotent=True)

    async def refine_structured_prompt(
        self, request: RefineStructuredPromptRequest
    ) -> StructuredPrompt:
        """A schema or caption rewritten by an instruction; changes nothing at Bria."""
        call = Call("POST", "/tailored-gen/refine_structured_prompt", json=request.body())
        return await self._t.request(call, one(StructuredPrompt), idempotent=True)

    async def generate_image(
        self, request: GenerateImageRequest
    ) -> ImageGenerated | ImageAccepted:
        """v2 generation with a FIBO model: the image (`sync`), or a request id to poll."""
        call = Call("POST", f"{V2}/image/generate/tailored", json=request.body(),
                    kind="generation")
        return await self._t.request(call, _generated, idempotent=True)

    async def request_status(self, request_id: str) -> RequestStatus:
        """Bria's v2 status service for a request `generate_image` accepted."""
        call = Call("GET", f"{V2}/status/{request_id}")
        return await self._t.request(call, one(RequestStatus), idempotent=True)
