"""FIBO generation on v2: `POST /v2/image/generate/tailored` and the status service (1.10).

FIBO models generate here, with structured prompts built from their dataset's visual schema;
legacy models keep v1's `/text-to-image/tailored/{model_id}` (each path refuses the other
family). `sync: true` answers 200 with the result; the default answers 202 with a request id
whose `GET /v2/status/{request_id}` reads COMPLETED at once, as Bria's status service words it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from reconciler.sandbox import constraints as c
from reconciler.sandbox import families, imaging, lifecycle, visual
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.generation import ASPECT_RATIOS
from reconciler.sandbox.store import Row
from reconciler.sandbox.validate import Body, choice, flag, given, optional_text

STATUS_KEY = "v2_request:"
RANGES: dict[str, tuple[float, float, bool]] = {
    "tailored_model_influence": (0.0, 1.5, False),
    "guidance_scale": (3, 5, True),
    "steps_num": (20, 50, True),
}
"""field -> (minimum, maximum, integer only), from the document's schema keywords."""


def _number(body: Body, key: str) -> None:
    value = body.get(key)
    if value is None:
        return
    low, high, whole = RANGES[key]
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "an integer" if whole else "a number"
        raise BriaError(c.GEN2_RANGE, f"{key} must be {kind} from {low:g} to {high:g}")


class TailoredV2:
    def __init__(self, core: Core) -> None:
        self._core = core

    def _model(self, body: Body) -> Row:
        if not given(body, "tailored_model_id"):
            raise BriaError(c.BODY_FIELD, "tailored_model_id is required")
        raw = body["tailored_model_id"]
        text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
        row = None
        if isinstance(text, str) and text.isdigit() and len(text) < 19:
            row = self._core.find("models", int(text))
        now = self._core.clock.now()
        if row is None or lifecycle.model_status(row, now) == "Deleted":
            raise BriaError(c.GEN2_MODEL_ORG, "Forbidden. Model does not belong to organization.")
        return row

    def _check(self, body: Body) -> tuple[str | None, visual.Document | None]:
        for key in RANGES:
            _number(body, key)
        choice(body, "aspect_ratio", ASPECT_RATIOS, c.GEN2_RANGE, default="1:1")
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise BriaError(c.BODY_FIELD, "seed must be an integer")
        for key in ("sync", "visual_output_content_moderation"):
            flag(body, key, False)
        optional_text(body, "negative_prompt")
        prompt = optional_text(body, "prompt")
        prompt = prompt if prompt and prompt.strip() else None
        structured = None
        if given(body, "structured_prompt"):
            structured = visual.parse(body["structured_prompt"])
            if structured is None:
                raise BriaError(c.GEN2_INPUT, "structured_prompt must be a JSON object string")
        if (
            prompt is not None
            and flag(body, "prompt_content_moderation", True)
            and self._core.faults.is_blocked(hashlib.sha256(prompt.encode()).hexdigest())
        ):
            raise BriaError(c.GEN2_MODERATION, "The prompt was blocked by content moderation")
        if prompt is None and structured is None:
            raise BriaError(c.GEN2_INPUT, "Send a prompt, a structured_prompt, or both")
        if prompt is None and seed is None:
            raise BriaError(
                c.GEN2_INPUT, "A structured_prompt alone recreates an image and requires a seed"
            )
        return prompt, structured

    def generate(self, body: Body) -> tuple[int, dict[str, Any]]:
        """(status, body): 200 with the result when `sync`, else 202 with a status URL."""
        prompt, structured = self._check(body)
        with self._core.store.transaction():
            row = self._model(body)
            status = lifecycle.model_status(row, self._core.clock.now())
            if not families.is_fibo(row["training_version"]):
                raise BriaError(
                    c.GEN_FAMILY,
                    f"Model {row['id']} is a {row['training_version']} model; legacy models "
                    "generate with /v1/text-to-image/tailored/{model_id}",
                )
            if status not in lifecycle.READY_STATUSES:
                raise BriaError(c.GEN_MODEL_READY, f"The model is not ready (status {status})")
            dataset = self._core.find("datasets", int(row["dataset_id"] or 0))
        schema = dataset["visual_schema"] if dataset is not None else None
        if structured is None:
            document = visual.structured_prompt(schema, str(prompt))
        elif prompt is not None:
            document = visual.refine(structured, prompt)
        else:
            document = structured
        text = json.dumps(document)
        seed = body.get("seed")
        if seed is None:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:3], "big")
        version = lifecycle.active_version(row, status)
        recipe = f"v2|{row['id']}|{version}|{text}|{seed}"
        digest = hashlib.sha256(recipe.encode()).hexdigest()
        name = f"_bria/generated/{digest}.png"
        files = self._core.files
        if not self._core.store.has_file(name):
            files.put(name, imaging.tiny_png(recipe.encode()), content_type="image/png")
        result = {"image_url": files.url_for(name), "structured_prompt": text}
        if flag(body, "sync", False):
            return 200, result
        request_id = str(uuid.UUID(digest[:32]))
        done = {"status": "COMPLETED", "result": {**result, "seed": seed, "prompt": prompt}}
        self._core.store.meta_set(STATUS_KEY + request_id, json.dumps(done))
        return 202, {
            "request_id": request_id,
            "status_url": files.public(f"/v2/status/{request_id}"),
        }

    def status(self, request_id: str) -> dict[str, Any]:
        stored = self._core.store.meta_get(STATUS_KEY + request_id)
        if stored is None:
            raise BriaError(c.STATUS_REQUEST, f"Request {request_id} not found or expired")
        answer: dict[str, Any] = {"request_id": request_id, **json.loads(stored)}
        return answer
