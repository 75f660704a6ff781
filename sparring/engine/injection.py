"""Spotting coach lines that try to take the manager out of role.

A coach (or a curious tester) may type "ignore your instructions" or "are
you an AI?". The policy answers these with an in-character move (deflect or
challenge) and the guards make sure the words stay in character; this
module only recognises the attempt.
"""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[str, str], ...] = (
    ("ignore_instructions", r"\b(ignore|forget|disregard)\b.{0,30}\b(instructions?|prompt|rules|role)\b"),
    ("new_identity", r"\byou are now\b|\bfrom now on,? you\b|\bpretend (to be|you are)\b"),
    ("assistant_request", r"\b(act|behave|respond|answer) (as|like) an? (helpful )?(ai|assistant|chatbot)\b"),
    ("prompt_extraction", r"\b(print|show|reveal|repeat|output|tell me|what is|what's)\b.{0,20}\b(system prompt|your (instructions|prompt|rules))\b"),
    ("identity_probe", r"\b(are|r) (you|u) (an? |just an? )?(ai|a\.i\.|bot|robot|chatbot|llm|language model|gpt|chatgpt|machine|real person|human)\b"),
    ("identity_probe", r"\byou('re| are) (an? |just an? )?(ai|bot|chatbot|language model|llm)\b"),
    ("break_character", r"\b(break|drop|step out of|out of) character\b|\bstop (role-?playing|pretending)\b"),
    ("break_character", r"\bsystem prompt\b|\bdeveloper mode\b|\bjailbreak\b"),
)

_COMPILED = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _PATTERNS)


def detect_injection(coach_text: str) -> str | None:
    """The kind of out-of-role attempt in a coach line, or None for an ordinary line."""
    for kind, pattern in _COMPILED:
        if pattern.search(coach_text):
            return kind
    return None
