"""The plan as the CONTRACT section 7 document (`format_version` 1).

The document itself is `reconciler.plan.planfile`'s, so `--format json` and a saved plan file
can never disagree; this module only fixes the spelling: sorted keys, two-space indent, UTF-8.
"""

from __future__ import annotations

import json

from reconciler.plan.model import Plan
from reconciler.plan.planfile import MadeWith, plan_to_json


def render_json(plan: Plan, made_with: MadeWith | None = None) -> str:
    """Byte-stable for equal plans, ending in a newline."""
    document = plan_to_json(plan, made_with)
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
