"""Evaluator tier 2: an LLM codes a coach turn against the same scheme as the rules.

The judge runs beside the manager's reply, never in front of it, and must never
break a session: a model that fails, or answers with something that is not the
scheme's JSON after `attempts` tries, leaves the tier-1 rules coding in charge
with the error recorded. Weak local models are steered with a JSON schema
(llama.cpp turns it into a grammar); hosted models get plain JSON mode.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from sparring.coding.codes import FLAGS, QuestionCode, ReflectionCode, TurnCoder, TurnCodes
from sparring.prompts import PromptError, load_prompt
from sparring.providers import ModelError, make_chat_model, translate
from sparring.providers.profile import profile_for, profile_of
from sparring.settings import Settings

Source = Literal["llm", "rules", "combined"]

#: Flags where a rules hit is near-certain (an explicit "you should", an explicit
#: mandate), so the rules keep them even when the LLM says false.
HIGH_PRECISION_RULE_FLAGS: tuple[str, ...] = ("directive", "pulling_rank")

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


QUOTE_CHARS = 80


def _shorten(value: object) -> object:
    """Long quotes are cut, not rejected: only the grammar needs the bound, not the coding."""
    return value[: QUOTE_CHARS - 1] + "…" if isinstance(value, str) and len(value) > QUOTE_CHARS else value


Quote = Annotated[str, BeforeValidator(_shorten), StringConstraints(max_length=QUOTE_CHARS)]

#: More flags than this on one turn is not a coding but a model ticking every box
#: (what SmolLM2-135M does under a schema); such answers are treated as malformed. Five, since
#: a permission line can carry co-creation, permission, autonomy and affirmation at once.
MAX_FLAGS = 5


class JudgeReasons(BaseModel):
    """Reasons keyed by code name only, with bounded quotes: a grammar built from this
    schema cannot let a small model ramble past `max_tokens` inside a free-form key."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: Quote | None = None
    reflection: Quote | None = None
    empathy: Quote | None = None
    affirmation: Quote | None = None
    goal_cocreation: Quote | None = None
    neutral_observation: Quote | None = None
    asking_permission: Quote | None = None
    autonomy: Quote | None = None
    directive: Quote | None = None
    arguing: Quote | None = None
    judging: Quote | None = None
    pulling_rank: Quote | None = None


class JudgeOutput(BaseModel):
    """What the LLM must answer. Strict, so "yes" is not silently read as true."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: QuestionCode | None
    reflection: ReflectionCode | None
    empathy: bool
    affirmation: bool
    goal_cocreation: bool
    neutral_observation: bool
    asking_permission: bool
    autonomy: bool
    directive: bool
    arguing: bool
    judging: bool
    pulling_rank: bool
    reasons: JudgeReasons = Field(default_factory=JudgeReasons)

    @model_validator(mode="after")
    def _plausible(self) -> JudgeOutput:
        count = sum(bool(getattr(self, flag)) for flag in FLAGS)
        if count > MAX_FLAGS:
            raise ValueError(
                f"{count} flags are true; one turn shows at most {MAX_FLAGS}: set only the codes its words show"
            )
        return self

    def to_codes(self) -> TurnCodes:
        data = self.model_dump()
        data["reasons"] = {k: v for k, v in self.reasons.model_dump().items() if v}
        return TurnCodes.model_validate(data)


class JudgeResult(BaseModel):
    """The coding that counts plus how it was reached, so reports can show which tier decided."""

    model_config = ConfigDict(extra="forbid")

    codes: TurnCodes
    source: Source
    attempts: int = Field(0, description="Model calls made (0: the model was not asked).")
    error: str | None = Field(None, description="Why the LLM coding was not used, if it was not.")
    llm_codes: TurnCodes | None = Field(None, description="The LLM's own coding, before combining.")


class MalformedOutput(ValueError):
    """The model's answer is not a JSON object that fits `JudgeOutput`."""


def judge_schema() -> dict[str, Any]:
    return JudgeOutput.model_json_schema()


def response_kwargs(model: BaseChatModel, settings: Settings | None = None) -> dict[str, Any]:
    """Call kwargs that ask this kind of model for JSON.

    llama.cpp enforces a schema as a grammar, which is what keeps a 135M model on track;
    an OpenAI-compatible endpoint gets the schema in the form it takes (the profile's
    `json_mode`, SPARRING_JSON_FORMAT); the fake takes nothing.
    """
    mode = profile_of(model, settings).json_mode
    if mode == "schema":
        return {"response_format": {"type": "json_object", "schema": judge_schema()}}
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "turn_codes", "schema": judge_schema()}}}
    if mode == "object":
        return {"response_format": {"type": "json_object"}}
    return {}


def parse_output(text: str) -> JudgeOutput:
    """Read the first JSON object in `text`, tolerating code fences and chatter around it."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start = body.find("{")
    if start < 0:
        raise MalformedOutput("no JSON object found in the answer")
    try:
        data, _ = json.JSONDecoder().raw_decode(body[start:])
    except json.JSONDecodeError as exc:
        raise MalformedOutput(f"invalid JSON ({exc.msg} at character {exc.pos})") from exc
    try:
        return JudgeOutput.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:4]:
            field = ".".join(str(p) for p in err["loc"]) or "(object)"
            problems.append(f"'{field}': {err['msg']}")
        raise MalformedOutput("; ".join(problems)) from exc


def combine(rules: TurnCodes, llm: TurnCodes) -> TurnCodes:
    """Merge the two tiers into the coding that counts.

    - question / reflection: the LLM's code when it gives one (it reads meaning,
      e.g. complex vs simple); when it gives null, the rules' code stands
      (a question mark or a reflection stem is hard evidence).
    - flags: the LLM's value, except the high-precision rules flags
      (`HIGH_PRECISION_RULE_FLAGS`: explicit directive, explicit mandate),
      which are kept when the rules found them.
    - reasons: one per code in the result, taken from the tier that decided it;
      reasons under other names are kept from both (LLM first).
    """
    values: dict[str, Any] = {
        "question": llm.question or rules.question,
        "reflection": llm.reflection or rules.reflection,
    }
    decided_by_rules: set[str] = set()
    if llm.question is None and rules.question is not None:
        decided_by_rules.add("question")
    if llm.reflection is None and rules.reflection is not None:
        decided_by_rules.add("reflection")
    for flag in FLAGS:
        llm_value = bool(getattr(llm, flag))
        rules_value = bool(getattr(rules, flag))
        keep_rule = flag in HIGH_PRECISION_RULE_FLAGS and rules_value and not llm_value
        values[flag] = llm_value or keep_rule
        if keep_rule:
            decided_by_rules.add(flag)
    reasons: dict[str, str] = {}
    for key in {*rules.reasons, *llm.reasons}:
        if key in values and not values[key]:
            continue  # the code is not in the result, so neither is its reason
        prefer_rules = key in decided_by_rules or key not in llm.reasons
        reasons[key] = rules.reasons[key] if prefer_rules and key in rules.reasons else llm.reasons[key]
    values["reasons"] = dict(sorted(reasons.items()))
    return TurnCodes.model_validate(values)


class LLMJudge:
    """Codes coach turns with an LLM, falling back to the rules tier; never raises on model trouble.

    `mode="combined"` (default) merges with the rules via `combine`; `mode="llm"`
    reports the LLM's own coding and uses the rules only as the fallback.
    """

    def __init__(
        self,
        model: BaseChatModel,
        settings: Settings,
        rules: TurnCoder | None = None,
        *,
        attempts: int = 2,
        mode: Literal["llm", "combined"] = "combined",
        bind: dict[str, Any] | None = None,
    ) -> None:
        """`bind`: kwargs for every model call; default `response_kwargs(model)`. Pass it
        when `model` wraps another (e.g. a cache) whose type decides the JSON mode."""
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        if rules is None:
            from sparring.coding.learned import default_coder

            rules = default_coder()
        self.model = model
        self.settings = settings
        self.rules = rules
        self.attempts = attempts
        self.mode = mode
        self._chain: Runnable[LanguageModelInput, str] = (
            model.bind(**(response_kwargs(model, settings) if bind is None else bind)) | StrOutputParser()
        )

    def messages(self, text: str, context: str | None) -> list[BaseMessage]:
        """The rubric (with the scheme) as system prompt and the turn as the user message."""
        prompts_dir = self.settings.prompts_dir
        scheme_file = load_prompt(prompts_dir, "coding_scheme")
        scheme = scheme_file.body.strip() if scheme_file.meta.variables else scheme_file.render()
        flags = [(name, TurnCodes.model_fields[name].description or "") for name in FLAGS]
        system = load_prompt(prompts_dir, "judge_rubric").render(scheme=scheme, flags=flags)
        turn = load_prompt(prompts_dir, "judge_turn").render(context=context, text=text)
        return [SystemMessage(content=system), HumanMessage(content=turn)]

    async def acode(self, text: str, context: str | None) -> JudgeResult:
        rules_codes = self.rules.code(text, context)
        try:
            messages = self.messages(text, context)
            retry_prompt = load_prompt(self.settings.prompts_dir, "judge_retry")
        except PromptError as exc:  # a broken prompt file must not end a session either
            return JudgeResult(codes=rules_codes, source="rules", attempts=0, error=str(exc))
        error: str | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                answer = await self._chain.ainvoke(messages)
            except Exception as exc:  # the judge is advisory: no model failure may end a session
                failure = exc if isinstance(exc, ModelError) else translate(exc)
                error = f"model failed: {failure or f'{type(exc).__name__}: {exc}'}"
                return JudgeResult(codes=rules_codes, source="rules", attempts=attempt, error=error)
            try:
                llm_codes = parse_output(answer).to_codes()
            except MalformedOutput as exc:
                error = f"malformed answer: {exc}"
                retry = retry_prompt.render(error=str(exc))
                messages = [*messages, AIMessage(content=answer), HumanMessage(content=retry)]
                continue
            if self.mode == "llm":
                return JudgeResult(codes=llm_codes, source="llm", attempts=attempt, llm_codes=llm_codes)
            return JudgeResult(
                codes=combine(rules_codes, llm_codes),
                source="combined",
                attempts=attempt,
                llm_codes=llm_codes,
            )
        return JudgeResult(codes=rules_codes, source="rules", attempts=self.attempts, error=error)


def make_judge(
    settings: Settings,
    rules: TurnCoder | None = None,
    *,
    attempts: int = 2,
    mode: Literal["llm", "combined"] = "combined",
) -> LLMJudge:
    """The judge on `settings.judge_model` (else the persona model), deterministic and short."""
    spec = settings.judge_model or settings.model
    model = make_chat_model(spec, settings, temperature=0.0, max_tokens=300)
    return LLMJudge(model, settings, rules, attempts=attempts, mode=mode)


def llm_tier_enabled(settings: Settings) -> bool:
    """Whether the UI should run the LLM tier beside each turn.

    SmolLM2-135M as a judge took 55-65 s a turn on 2 cores and ticked every flag,
    so every answer fell back to the rules anyway: with only the embedded model,
    tier 1 decides unless a trainer asks for `SPARRING_JUDGE_MODEL=local` explicitly.
    """
    return settings.judge_model is not None or profile_for(settings.model).judges
