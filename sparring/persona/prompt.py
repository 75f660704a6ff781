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
    persona: Persona,
    decision: Decision,
    state: ManagerState,
    settings: Settings,
    *,
    remembered: Sequence[TurnRecord] = (),
) -> str:
    """This turn's private note: the move in words, resistance; `Example:` last.

    `remembered` are the turns whose memory line is still in the history: the facts
    and commitments those lines carry are not repeated here, which keeps the note (the
    part llama.cpp must evaluate afresh every turn) the same size at any turn.
    """
    from sparring.engine.dynamics import describe_resistance

    in_history = {i for t in remembered for i in t.revealed_now}
    agreed_in_history = {t.manager for t in remembered}
    reveal = decision.reveal.text if decision.reveal is not None else ""
    return load_prompt(settings.prompts_dir, "manager_move").render(
        name=persona.name,
        move=decision.move.value,
        resistance=describe_resistance(state.resistance),
        reveal=reveal,
        allowed=[c.text for c in decision.allowed if c is not decision.reveal and c.id not in in_history],
        commitments=[c for c in state.commitments if c not in agreed_in_history],
        admitted_any=bool(state.revealed) or decision.reveal is not None,
        example=decision.example,
    )


def memory_line(persona: Persona, turn: TurnRecord, settings: Settings) -> str | None:
    """The private line that follows a turn where the manager admitted a worry or agreed a step."""
    from sparring.persona.model import Move

    texts = {c.id: c.text for c in persona.concerns}
    admitted = [texts[i] for i in turn.revealed_now if i in texts]
    agreed = turn.move is Move.AGREE_NEXT_STEP
    if not admitted and not agreed:
        return None
    return load_prompt(settings.prompts_dir, "manager_memory").render(
        name=persona.name, admitted=admitted, agreed=agreed
    )


def history_messages(
    opening: str,
    turns: Sequence[TurnRecord],
    coach_text: str,
    memory: dict[int, BaseMessage] | None = None,
) -> list[BaseMessage]:
    """The conversation so far as chat messages: opening, coach/manager pairs, then this line.

    `memory` maps a turn index to the private line placed right after that turn's reply.
    It is written once and never moves, so from then on it is part of the cached prefix.
    """
    memory = memory or {}
    messages: list[BaseMessage] = [AIMessage(content=opening)]
    for turn in turns:
        messages.append(HumanMessage(content=turn.coach))
        messages.append(AIMessage(content=turn.manager))
        if turn.index in memory:
            messages.append(memory[turn.index])
    messages.append(HumanMessage(content=coach_text))
    return messages


def memory_messages(persona: Persona, settings: Settings, turns: Sequence[TurnRecord]) -> dict[int, BaseMessage]:
    """The memory line of every turn that has one, by turn index."""
    memory: dict[int, BaseMessage] = {}
    for turn in turns:
        line = memory_line(persona, turn, settings)
        if line is not None:
            memory[turn.index] = SystemMessage(content=line)
    return memory


def prefix_messages(
    persona: Persona, settings: Settings, *, system_prompt: str, opening: str, turns: Sequence[TurnRecord]
) -> list[BaseMessage]:
    """The start every next prompt shares: system prompt and history, without the coach's next line.

    Evaluating it while the coach reads and types means the next turn only evaluates the
    coach's line and the note, as turn 1 does (see `PracticeSession.warm_up`).
    """
    history = history_messages(opening, turns, "", memory_messages(persona, settings, turns))
    return [SystemMessage(content=system_prompt), *history[:-1]]


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
    """[system prompt] + history (with memory lines) trimmed to the budget + this turn's note.

    The note is a system message: in SmolLM2's chatml template it renders as its own
    `<|im_start|>system` block, so the model does not mistake it for the coach speaking
    (a second user turn would) and the coach's line stays cacheable as-is. The budget is
    set with the longest note (every fact restated); the note actually sent restates only
    the facts whose memory lines were trimmed away, so it is never longer.
    """
    system = system_prompt or render_system_prompt(persona, difficulty, settings)
    longest = render_move_instruction(persona, decision, state, settings)
    budget = settings.n_ctx - settings.max_reply_tokens - counter(longest) - TEMPLATE_MARGIN
    memory = memory_messages(persona, settings, turns)
    history = [SystemMessage(content=system), *history_messages(opening, turns, coach_text, memory)]
    trimmed = trim_history(history, budget, counter)
    if not any(m.type == "human" for m in trimmed):
        # Even the newest line does not fit: keep it anyway; the model must see what it answers.
        trimmed = [trimmed[0], history[-1]] if trimmed else [history[-1]]
    # Identity, not text: two memory lines can read the same. Were trimming ever to copy
    # messages, nothing would match and the note would restate every fact: slower, still right.
    kept = [t for t in turns if t.index in memory and any(m is memory[t.index] for m in trimmed)]
    note = render_move_instruction(persona, decision, state, settings, remembered=kept)
    return [*trimmed, SystemMessage(content=note)]
