"""Chainlit's own wording, adjusted where it reads oddly in a practice conversation.

Chainlit titles a finished tool step "Used <name>", so the feedback note under each coach
line read "Used Feedback" and the debrief "Used Debrief". Chainlit takes these words from
`.chainlit/translations/<language>.json`, which it copies from its package when missing.
We write the English file from the installed Chainlit's own copy with only these words
changed, at start-up, so it never falls behind a Chainlit upgrade (a file checked into git
would). Other languages keep Chainlit's words.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: (path in the translation file, our wording). A finished step shows just its name.
OVERRIDES: dict[tuple[str, ...], str] = {
    ("chat", "messages", "status", "using"): "Preparing",
    ("chat", "messages", "status", "used"): "",
}


def english(chainlit_file: Path) -> dict[str, Any]:
    """Chainlit's English wording with our overrides applied."""
    data: dict[str, Any] = json.loads(chainlit_file.read_text(encoding="utf-8"))
    for path, text in OVERRIDES.items():
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = text
    return data


def install_wording(app_translations: Path) -> None:
    """Write the adjusted English file where Chainlit looks (`.chainlit/translations`)."""
    import chainlit

    packaged = Path(chainlit.__file__).parent / "translations" / "en-US.json"
    if not packaged.is_file():  # a Chainlit without translations: nothing to adjust
        return
    text = json.dumps(english(packaged), indent=4, ensure_ascii=False)
    target = app_translations / "en-US.json"
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return
    app_translations.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
