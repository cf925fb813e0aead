"""FIBO's structured JSON, emulated deterministically: visual schemas, captions, refinements.

Bria derives a visual schema from sample images with a vision-language model, captions each
image of a FIBO dataset in the schema's shape, and rewrites a schema or caption from a natural
language instruction. Here the "model" is the image content (SHA-256 and mean colour) and a
small instruction grammar, so the same inputs always give the same JSON and a test can predict
it. An instruction the grammar does not understand is still reflected: it is appended to the
document's `refinements` list, never dropped.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from reconciler.sandbox import imaging

Document = dict[str, Any]

_SUBJECT_WORDS = ("subject", "object", "character", "product", "item")
_SETTING_WORDS = ("setting", "background", "scene", "location", "environment")
_MOOD_WORDS = ("mood", "style", "tone", "atmosphere", "feel")


def derive_schema(samples: Sequence[tuple[str, str]]) -> Document:
    """The schema of sample images given as (SHA-256, mean colour): independent of order."""
    ordered = sorted(samples)
    parts = [imaging.descriptor_parts(digest) for digest, _ in ordered]
    seed = "|".join(digest for digest, _ in ordered).encode()
    return {
        "style": f"{imaging.style_word(seed)} look",
        "subjects": sorted({subject for _, subject, _ in parts}),
        "settings": sorted({setting for _, _, setting in parts}),
        "moods": sorted({mood for mood, _, _ in parts}),
        "palette": sorted({colour for _, colour in ordered}),
    }


def parse(text: object) -> Document | None:
    """A JSON object held in a string, or None."""
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _pick(options: list[Any], salt: str) -> str:
    return str(options[hashlib.sha256(salt.encode()).digest()[0] % len(options)])


def _describe(key: str, value: Any, digest: str, subject: str) -> str:
    """One caption field: what this image shows for a schema key."""
    mood, _, setting = imaging.descriptor_parts(digest)
    words = key.lower()
    if any(word in words for word in _SUBJECT_WORDS):
        return subject
    if any(word in words for word in _SETTING_WORDS):
        return setting
    if isinstance(value, list) and value:
        return _pick(value, f"{digest}|{key}")
    if isinstance(value, str) and value:
        return value
    if any(word in words for word in _MOOD_WORDS):
        return mood
    return f"{mood} {key.replace('_', ' ')}"


def caption(schema_text: object, digest: str) -> Document:
    """The caption Bria's captioner gives an image: the schema's keys, filled from the image."""
    schema = parse(schema_text) or {}
    _, subject, _ = imaging.descriptor_parts(digest)
    if not schema:
        return {"subject": subject}
    return {key: _describe(key, value, digest, subject) for key, value in schema.items()}


def structured_prompt(schema_text: object, prompt: str) -> Document:
    """A v2 generation's structured prompt: the model's schema keys, the prompt as subject."""
    schema = parse(schema_text) or {}
    digest = hashlib.sha256(prompt.encode()).hexdigest()
    document = {key: _describe(key, value, digest, prompt) for key, value in schema.items()}
    if not any(any(word in key.lower() for word in _SUBJECT_WORDS) for key in document):
        document["subject"] = prompt
    return document


_VERBS = r"(?:change|set|make|replace|add|include|remove|delete|drop)"
_CLAUSES = re.compile(rf"\s*(?:;|\.\s+|,?\s+and\s+(?={_VERBS}\b))\s*", re.IGNORECASE)
_KEY = r"(?:the\s+)?(?P<key>[\w .-]+?)(?:\s+(?:field|key|property))?"
_SET = re.compile(rf"^(?:change|set|make|replace)\s+{_KEY}\s+(?:to|=|with)\s+(?P<value>.+)$", re.I)
_REMOVE_FROM = re.compile(rf"^(?:remove|delete|drop)\s+(?P<value>.+?)\s+from\s+{_KEY}$", re.I)
_REMOVE = re.compile(rf"^(?:remove|delete|drop)\s+{_KEY}$", re.I)
_ADD_TO = re.compile(rf"^(?:add|include)\s+(?P<value>.+?)\s+to\s+{_KEY}$", re.I)
_ADD = re.compile(
    rf"^(?:add|include)\s+(?:an?\s+)?{_KEY}(?:\s*[:=]\s*|\s+(?:of|as|with value)\s+)(?P<value>.+)$",
    re.I,
)
_ADD_EMPTY = re.compile(rf"^(?:add|include)\s+(?:an?\s+)?{_KEY}$", re.I)


def _unquote(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _key(document: Document, text: str) -> str:
    """The document's key the text names (case and spaces aside), else a new snake_case key."""
    wanted = _unquote(text).lower().replace(" ", "_").replace("-", "_")
    for key in document:
        if key.lower().replace(" ", "_").replace("-", "_") == wanted:
            return key
    for key in document:
        normal = key.lower().replace(" ", "_")
        if normal.rstrip("s") == wanted.rstrip("s"):
            return key
    return wanted


def _apply(document: Document, clause: str) -> bool:
    """Carry out one clause; False when the grammar does not understand it."""
    if match := _SET.match(clause):
        key = _key(document, match["key"])
        value = _unquote(match["value"])
        document[key] = [value] if isinstance(document.get(key), list) else value
        return True
    if match := _REMOVE_FROM.match(clause):
        key = _key(document, match["key"])
        value = _unquote(match["value"]).lower()
        current = document.get(key)
        if isinstance(current, list):
            document[key] = [item for item in current if str(item).lower() != value]
            return True
        return False
    if match := _ADD_TO.match(clause):
        key = _key(document, match["key"])
        current = document.get(key)
        items = list(current) if isinstance(current, list) else [current] if current else []
        document[key] = [*items, _unquote(match["value"])]
        return True
    if match := _REMOVE.match(clause):
        key = _key(document, match["key"])
        if key not in document:
            return False
        del document[key]
        return True
    if match := _ADD.match(clause):
        document[_key(document, match["key"])] = _unquote(match["value"])
        return True
    if match := _ADD_EMPTY.match(clause):
        document.setdefault(_key(document, match["key"]), "")
        return True
    return False


def refine(document: Document, instruction: str) -> Document:
    """The document changed as the instruction says, clause by clause; a copy."""
    result = copy.deepcopy(document)
    unmatched = [
        clause.strip().rstrip(".")
        for clause in _CLAUSES.split(instruction.strip())
        if clause.strip() and not _apply(result, clause.strip().rstrip("."))
    ]
    if unmatched:
        notes = result.get("refinements")
        result["refinements"] = [*(notes if isinstance(notes, list) else []), *unmatched]
    return result
