"""The manager's prompts: a stable system prompt, the history, then this turn's note.

Order matters for speed: llama.cpp reuses the evaluated prefix of the
previous call, so everything that changes per turn (resistance, the chosen
move, the facts the manager may reveal) comes *after* the history, in one
final system message. The system prompt stays byte-identical for the whole
session, and the history only grows at its end.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from sparring.engine.transcript import ManagerState, TurnRecord
from sparring.persona.model import Difficulty, Persona
from sparring.prompts import load_prompt
from sparring.settings import Settings
from sparring.tokens import Counter, count_message_tokens, count_tokens, trim_history

if TYPE_CHECKING:
    from sparring.engine.policy import Decision

#: Tokens kept free for chat-template markers the counters do not see.
TEMPLATE_MARGIN = 32
#: Room kept for this turn's coach line and note when the history window is chosen.
TURN_RESERVE = 512
#: The history window moves in steps of this many tokens of conversation (see `window_start`).
WINDOW_STEP = 1024


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
    adapt: bool = False,
) -> str:
    """This turn's private note: the move in words, resistance; `Example:` last.

    A free-writing model also sees two other bank lines of the move as style examples; a
    bank-speaking model (`adapt`) is asked only to fit the chosen line to the coach's words.

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
        adapt=adapt,
        others=[] if adapt else _other_lines(persona, decision),
    )


def _other_lines(persona: Persona, decision: Decision, count: int = 2) -> list[str]:
    """A couple of other authored lines for the move, as a voice sample (never concern-tagged)."""
    lines = [ln.text for ln in persona.bank(decision.move) if ln.concern is None and ln.text != decision.example]
    return lines[:count]


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
    first: int = 0,
) -> list[BaseMessage]:
    """The conversation so far as chat messages: opening, coach/manager pairs, then this line.

    `memory` maps a turn index to the private line placed right after that turn's reply.
    It is written once and never moves, so from then on it is part of the cached prefix.
    From `first` > 0 on (see `window_start`), the opening and earlier turns are left out.
    """
    memory = memory or {}
    messages: list[BaseMessage] = [] if first else [AIMessage(content=opening)]
    for turn in turns[first:]:
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


def window_start(
    turns: Sequence[TurnRecord],
    memory: dict[int, BaseMessage],
    system_tokens: int,
    settings: Settings,
    counter: Counter = count_tokens,
) -> int:
    """How many leading turns a long conversation leaves out of the prompt (0 = none).

    Dropping the oldest turn one at a time would change the start of the history on
    every turn, and llama.cpp would re-evaluate all of it each time (a minute a turn on
    one CPU thread). Instead the window's start only moves to a turn boundary at a
    multiple of WINDOW_STEP tokens into the conversation, so it stays put for several
    turns and the cached prefix keeps working between the jumps. It depends on the
    history alone, so the warm-up between turns picks the same window as the next turn.
    """
    limit = settings.n_ctx - settings.max_reply_tokens - TEMPLATE_MARGIN - TURN_RESERVE - system_tokens
    sizes = [_turn_tokens(turn, memory, counter) for turn in turns]
    total = sum(sizes)
    if total <= limit:
        return 0
    starts = [0, *itertools.accumulate(sizes)][:-1]
    step = 1
    while True:
        # the first turn boundary at least `step` windows in; later boundaries never count,
        # or the start would creep forward one turn at a time again
        first = next((i for i, start in enumerate(starts) if start >= step * WINDOW_STEP), len(turns))
        if first == len(turns) or total - starts[first] <= limit:
            return first
        step += 1


def _turn_tokens(turn: TurnRecord, memory: dict[int, BaseMessage], counter: Counter) -> int:
    messages: list[BaseMessage] = [HumanMessage(content=turn.coach), AIMessage(content=turn.manager)]
    if turn.index in memory:
        messages.append(memory[turn.index])
    return count_message_tokens(messages, counter)


def prefix_messages(
    persona: Persona, settings: Settings, *, system_prompt: str, opening: str, turns: Sequence[TurnRecord]
) -> list[BaseMessage]:
    """The start every next prompt shares: system prompt and history, without the coach's next line.

    Evaluating it while the coach reads and types means the next turn only evaluates the
    coach's line and the note, as turn 1 does (see `PracticeSession.warm_up`).
    """
    memory = memory_messages(persona, settings, turns)
    first = window_start(turns, memory, _fixed_tokens(system_prompt, opening, count_tokens), settings)
    history = history_messages(opening, turns, "", memory, first)
    return [SystemMessage(content=system_prompt), *history[:-1]]


def _fixed_tokens(system_prompt: str, opening: str, counter: Counter) -> int:
    return count_message_tokens([SystemMessage(content=system_prompt), AIMessage(content=opening)], counter)


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
    adapt: bool = False,
) -> list[BaseMessage]:
    """[system prompt] + history (with memory lines) trimmed to the budget + this turn's note.

    The note is a system message: in SmolLM2's chatml template it renders as its own
    `<|im_start|>system` block, so the model does not mistake it for the coach speaking
    (a second user turn would) and the coach's line stays cacheable as-is. The budget is
    set with the longest note (every fact restated); the note actually sent restates only
    the facts whose memory lines were trimmed away, so it is never longer.
    """
    system = system_prompt or render_system_prompt(persona, difficulty, settings)
    longest = render_move_instruction(persona, decision, state, settings, adapt=adapt)
    budget = settings.n_ctx - settings.max_reply_tokens - counter(longest) - TEMPLATE_MARGIN
    memory = memory_messages(persona, settings, turns)
    first = window_start(turns, memory, _fixed_tokens(system, opening, counter), settings, counter)
    history = [SystemMessage(content=system), *history_messages(opening, turns, coach_text, memory, first)]
    trimmed = trim_history(history, budget, counter)  # only bites on an outsized line or note
    if not any(m.type == "human" for m in trimmed):
        # Even the newest line does not fit: keep it anyway; the model must see what it answers.
        trimmed = [trimmed[0], history[-1]] if trimmed else [history[-1]]
    # Identity, not text: two memory lines can read the same. Were trimming ever to copy
    # messages, nothing would match and the note would restate every fact: slower, still right.
    kept = [t for t in turns if t.index in memory and any(m is memory[t.index] for m in trimmed)]
    note = render_move_instruction(persona, decision, state, settings, remembered=kept, adapt=adapt)
    return [*trimmed, SystemMessage(content=note)]
