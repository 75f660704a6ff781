"""The manager's prompts: a stable system prompt, the history, then this turn's note.

Order matters for speed: llama.cpp reuses the evaluated prefix of the
previous call, so everything that changes per turn (resistance, the chosen
move, the facts the manager may reveal) comes *after* the history, in one
final system message. The system prompt stays byte-identical for the whole
session, and the history only grows at its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from sparring.persona.model import Difficulty, Persona
from sparring.prompts import load_prompt
from sparring.settings import Settings
from sparring.tokens import Counter, count_tokens, trim_history
from sparring.transcript import ManagerState, TurnRecord

if TYPE_CHECKING:
    from sparring.engine.policy import Decision

#: Tokens kept free for chat-template markers the counters do not see.
TEMPLATE_MARGIN = 32


def render_system_prompt(persona: Persona, difficulty: Difficulty, settings: Settings) -> str:
    """The manager's system prompt, exactly as sent (and as `sparring personas show` prints).

    `difficulty` is accepted for the contract but deliberately does not change the
    text: difficulty acts through the starting resistance and the pace of the rules.
    """
    del difficulty
    return load_prompt(settings.prompts_dir, "manager_system").render(persona=persona)


def render_move_instruction(
    persona: Persona, decision: Decision, state: ManagerState, settings: Settings
) -> str:
    """This turn's private note: the move in words, allowed facts, resistance; `Example:` last."""
    from sparring.engine.dynamics import describe_resistance

    reveal = decision.reveal.text if decision.reveal is not None else ""
    earlier = [c.text for c in decision.allowed if c is not decision.reveal]
    return load_prompt(settings.prompts_dir, "manager_move").render(
        name=persona.name,
        move=decision.move.value,
        resistance=describe_resistance(state.resistance),
        reveal=reveal,
        allowed=earlier,
        commitments=state.commitments,
        example=decision.example,
    )


def history_messages(opening: str, turns: Sequence[TurnRecord], coach_text: str) -> list[BaseMessage]:
    """The conversation so far as chat messages: opening, then coach/manager pairs, then this line."""
    messages: list[BaseMessage] = [AIMessage(content=opening)]
    for turn in turns:
        messages.append(HumanMessage(content=turn.coach))
        messages.append(AIMessage(content=turn.manager))
    messages.append(HumanMessage(content=coach_text))
    return messages


def build_messages(
    persona: Persona,
    difficulty: Difficulty,
    settings: Settings,
    *,
    opening: str,
    turns: Sequence[TurnRecord],
    coach_text: str,
    decision: Decision,
    state: ManagerState,
    system_prompt: str | None = None,
    counter: Counter = count_tokens,
) -> list[BaseMessage]:
    """[system prompt] + history trimmed to the context budget + this turn's note.

    The note is a system message: in SmolLM2's chatml template it renders as its own
    `<|im_start|>system` block, so the model does not mistake it for the coach speaking
    (a second user turn would) and the coach's line stays cacheable as-is.
    """
    system = system_prompt or render_system_prompt(persona, difficulty, settings)
    note = render_move_instruction(persona, decision, state, settings)
    budget = settings.n_ctx - settings.max_reply_tokens - counter(note) - TEMPLATE_MARGIN
    history = [SystemMessage(content=system), *history_messages(opening, turns, coach_text)]
    trimmed = trim_history(history, budget, counter)
    if not any(m.type == "human" for m in trimmed):
        # Even the newest line does not fit: keep it anyway; the model must see what it answers.
        trimmed = [trimmed[0], history[-1]] if trimmed else [history[-1]]
    return [*trimmed, SystemMessage(content=note)]
