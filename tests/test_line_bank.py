"""The line bank: enough lines in each persona's voice, picked by move, concern and relevance,
never repeated in a session, and spoken without the model on a bank-speaking profile."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from builders import build_persona

from sparring.coding.codes import TurnCodes
from sparring.engine import guards
from sparring.engine.events import Done, Token
from sparring.engine.lines import pick_line
from sparring.engine.prompt import render_system_prompt
from sparring.engine.session import PracticeSession
from sparring.engine.transcript import Transcript
from sparring.persona.coverage import coverage_gaps
from sparring.persona.loader import load_personas
from sparring.persona.model import CORE_MOVES, Move, Persona
from sparring.providers import FakeChatModel
from sparring.providers.profile import ModelProfile, profile_for
from sparring.settings import ROOT, Settings

SHIPPED = load_personas(ROOT / "personas")
OUT_OF_CHARACTER = re.compile(r"\b(AI|A\.I\.|assistant|language model|chatbot|persona|role-?play)\b", re.I)
BANK = ModelProfile(speaking="bank", max_attempts=1)


@pytest.fixture(params=sorted(SHIPPED), ids=str)
def persona(request: pytest.FixtureRequest) -> Persona:
    return SHIPPED[request.param]


def test_every_move_has_ten_lines_and_every_concern_three(persona: Persona) -> None:
    assert coverage_gaps(persona) == [], persona.id
    for move in CORE_MOVES:
        texts = [line.text for line in persona.bank(move)]
        assert len(texts) >= 10 and len(set(texts)) == len(texts), f"{persona.id}.{move.value}"


def test_no_two_personas_share_a_line() -> None:
    seen: dict[str, str] = {}
    for p in SHIPPED.values():
        for move in Move:
            for line in p.bank(move):
                assert seen.setdefault(line.text, p.id) == p.id, f"{p.id} repeats {seen[line.text]}: {line.text!r}"


def test_bank_lines_are_short_spoken_turns_that_pass_the_guards(persona: Persona, settings: Settings) -> None:
    system = render_system_prompt(persona, "realistic", settings)
    world = guards.world_words(system, *(c.text for c in persona.concerns))
    names = (persona.name, *persona.name.split())
    for move in Move:
        for line in persona.bank(move):
            text = line.text
            assert not OUT_OF_CHARACTER.search(text), f"{persona.id}: {text}"
            assert text[-1] in ".?!", f"{persona.id}: unfinished {text!r}"
            assert 10 <= len(text) <= 240 and guards.sentence_count(text) <= guards.MAX_SENTENCES, f"{persona.id}: {text!r}"
            ctx = guards.GuardContext(speaker_names=names, move=move.value, world=world)
            verdict = guards.check(text, ctx)
            assert verdict.ok and verdict.text == text, f"{persona.id}.{move.value}: {text!r} {verdict.failures}"


def test_untagged_lines_never_give_a_concern_away(persona: Persona, settings: Settings) -> None:
    public = "\n".join([render_system_prompt(persona, "realistic", settings), persona.opening_line])
    keys = guards.concern_keys(persona.concerns, public)
    for move in CORE_MOVES:
        if move is Move.REVEAL_CONCERN:
            continue
        for line in persona.bank(move):
            if line.concern is None:
                leaked = [k.id for k in keys if guards.leaks_concern(line.text, k)]
                assert not leaked, f"{persona.id}.{move.value}: {line.text!r} gives away {leaked}"


def test_reveal_lines_say_their_concern(persona: Persona, settings: Settings) -> None:
    public = "\n".join([render_system_prompt(persona, "realistic", settings), persona.opening_line])
    keys = {k.id: k for k in guards.concern_keys(persona.concerns, public)}
    world = guards.world_words(public, *(c.text for c in persona.concerns))
    for line in persona.bank(Move.REVEAL_CONCERN):
        assert line.concern in keys, line.text
        ctx = guards.GuardContext(must_mention=keys[line.concern], world=world)
        assert guards.check(line.text, ctx).ok, f"{persona.id}: {line.text!r} does not touch {line.concern}"


def test_the_line_that_answers_the_coach_is_preferred() -> None:
    sceptic = SHIPPED["sceptic"]
    line = pick_line(sceptic, Move.YES_BUT, coach_text="Could the shift leads take more on?", used=[],
                     rng=random.Random(1))
    assert "shift leads" in line.text
    other = pick_line(sceptic, Move.YES_BUT, coach_text="What about the engagement survey?", used=[],
                      rng=random.Random(1))
    assert "survey" in other.text


def test_concern_tagged_lines_wait_until_the_concern_is_out() -> None:
    defensive = SHIPPED["defensive"]
    tagged = {ln.text for ln in defensive.bank(Move.PROPOSE_GOAL) if ln.concern}
    assert tagged
    early = {pick_line(defensive, Move.PROPOSE_GOAL, coach_text="feedback row", used=[], rng=random.Random(s)).text
             for s in range(30)}
    assert not early & tagged
    late = pick_line(defensive, Move.PROPOSE_GOAL, coach_text="how to tell someone they dropped the ball",
                     used=[], rng=random.Random(1), allowed_ids=["feedback-skills"])
    assert late.text in tagged


def _session(persona: Persona, settings: Settings, model: FakeChatModel, codes: TurnCodes) -> PracticeSession:
    class Coder:
        def code(self, text: str, context: str | None) -> TurnCodes:
            return codes

    return PracticeSession(persona, "realistic", model, settings, coder=Coder(), seed=5, profile=BANK)


async def test_a_bank_speaking_session_never_repeats_a_line_and_never_calls_the_model(settings: Settings) -> None:
    fake = FakeChatModel()
    s = _session(SHIPPED["sceptic"], settings, fake, TurnCodes(question="closed"))
    said = [(await s.reply(f"Is that so, number {i}?")).manager for i in range(20)]
    assert len(set(said)) == len(said)
    assert fake.calls == []
    assert {t.spoken for t in s.transcript.turns} == {"bank"}


async def test_bank_lines_stream_as_tokens_and_carry_a_talk_type(settings: Settings) -> None:
    s = _session(SHIPPED["senior"], settings, FakeChatModel(), TurnCodes(directive=True))
    events = [e async for e in s.turn("You should listen to your heads more.")]
    tokens = [e.text for e in events if isinstance(e, Token)]
    done = events[-1]
    assert isinstance(done, Done) and len(tokens) > 3 and "".join(tokens) == done.record.manager
    assert done.record.talk_type == "sustain"


async def test_used_lines_survive_save_and_resume(settings: Settings) -> None:
    persona = SHIPPED["firefighter"]
    s = _session(persona, settings, FakeChatModel(), TurnCodes(question="closed"))
    first = [(await s.reply(f"Quick one {i}?")).manager for i in range(6)]
    saved = Transcript.model_validate_json(s.transcript.model_dump_json())
    assert saved.state.used_lines == first
    resumed = PracticeSession.resume(saved, persona, FakeChatModel(), settings, coder=s.coder, seed=5, profile=BANK)
    later = [(await resumed.reply(f"Another {i}?")).manager for i in range(6)]
    assert not set(first) & set(later)


def test_profiles_come_from_the_model_kind_and_the_setting(settings: Settings) -> None:
    assert profile_for("local").speaking == "bank" and not profile_for("local").calls_model
    assert profile_for("openai:gpt-4o-mini").speaking == "free"
    assert profile_for("fake").speaking == "free"  # its default echo *is* the chosen bank line
    override = settings.model_copy(update={"speaking": "bank"})
    assert profile_for("openai:gpt-4o-mini", override).speaking == "bank"
    adapt = settings.model_copy(update={"speaking": "bank-adapt"})
    assert profile_for("local", adapt).adapt


def test_reveal_lines_in_the_bank_need_a_concern_tag() -> None:
    base = build_persona(("one", "The budget scares me.", 5)).model_dump(mode="json")
    base["lines"] = {"reveal_concern": ["An untagged reveal."]}
    with pytest.raises(ValueError, match="concern tag"):
        Persona.model_validate(base)
    base["lines"] = {"deflect": [{"text": "Not now.", "concern": "nope"}]}
    with pytest.raises(ValueError, match="unknown concern"):
        Persona.model_validate(base)


def test_lines_of_a_move_do_not_restate_each_other(persona: Persona) -> None:
    """Each of the ten lines must do something different, or a session sounds like a loop."""
    from itertools import combinations

    from sparring.engine.lines import similar

    for move in CORE_MOVES:
        if move is Move.REVEAL_CONCERN:
            continue  # a concern is revealed once; its lines are alternatives, never said together
        texts = [line.text for line in persona.bank(move)]
        pairs = [(a, b) for a, b in combinations(texts, 2) if similar(a, b)]
        assert not pairs, f"{persona.id}.{move.value}: {pairs[0]}"


async def test_a_line_is_not_restated_in_other_words_later(settings: Settings) -> None:
    s = _session(SHIPPED["yes-but"], settings, FakeChatModel(), TurnCodes(directive=True))
    said = [(await s.reply(f"You should delegate the calls, number {i}.")).manager for i in range(12)]
    from sparring.engine.lines import similar

    assert not [(a, b) for i, a in enumerate(said) for b in said[i + 1 :] if similar(a, b)]


def test_draft_lines_writes_a_review_file_and_never_the_persona(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml
    from click.testing import CliRunner

    from sparring.cli.personas import personas as personas_cli

    script = tmp_path / "drafts.txt"
    script.write_text(
        "- I'd sooner talk about the Doncaster MOT backlog.\\n- How can I help you today?\\n"
        "- Next question, I've got a wagon on the ramp.\n", "utf-8")
    monkeypatch.setenv("SPARRING_FAKE_SCRIPT", str(script))
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path / "data"))
    before = (ROOT / "personas" / "sceptic.yaml").read_text("utf-8")
    result = CliRunner().invoke(personas_cli, ["draft-lines", "sceptic", "--model", "fake", "--move", "deflect"])
    assert result.exit_code == 0, result.output
    review = tmp_path / "data" / "drafts" / "sceptic-lines.yaml"
    drafts = yaml.safe_load(review.read_text("utf-8"))["drafts"]["deflect"]
    assert [d["ok"] for d in drafts] == [True, False, True]
    assert drafts[1]["failures"] == ["assistant_mode"]
    assert "3 candidate line(s), 2 pass the guards" in result.output
    assert (ROOT / "personas" / "sceptic.yaml").read_text("utf-8") == before


def test_validate_reports_thin_line_banks(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sparring.cli.personas import personas as personas_cli

    text = (ROOT / "personas" / "sceptic.yaml").read_text("utf-8")
    thin = text[: text.index("\nlines:\n")] + text[text.index("\nstarters:") :]
    path = tmp_path / "sceptic.yaml"
    path.write_text(thin, "utf-8")
    result = CliRunner().invoke(personas_cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "coverage: move 'deflect' has 3 line(s)" in result.output
    assert "coverage: concern 'danny-leaving' has no line of its own" in result.output


async def test_a_free_model_sees_bank_lines_as_examples_and_an_adapting_one_only_its_line(
    settings: Settings,
) -> None:
    sceptic = SHIPPED["sceptic"]

    class Closed:
        def code(self, text: str, context: str | None) -> TurnCodes:
            return TurnCodes(question="closed")

    for profile, adapt in ((ModelProfile(speaking="free"), False), (ModelProfile(speaking="bank", adapt=True), True)):
        fake = FakeChatModel()
        s = PracticeSession(sceptic, "realistic", fake, settings, coder=Closed(), seed=2, profile=profile)
        record = await s.reply("Have you asked the lads?")
        note = str(fake.calls[-1][-1].content)
        samples = [ln for ln in note.splitlines() if ln.startswith("Another thing you might say:")]
        assert ("Say the example line below" in note) is adapt
        assert len(samples) == (0 if adapt else 2)
        bank = {ln.text for ln in sceptic.bank(record.move)}
        assert all(ln.split(": ", 1)[1] in bank for ln in samples)
        assert record.manager in bank and record.spoken == "model"


def test_a_copy_of_a_persona_with_other_lines_speaks_its_own_lines() -> None:
    """The bank is worked out once per persona; a trainer's edited copy must not reuse it."""
    base = build_persona(("one", "The budget scares me.", 5))
    before = [ln.text for ln in base.bank(Move.DEFLECT)]
    edited = base.model_copy(update={"example_lines": {**base.example_lines, Move.DEFLECT: ["Not this again."]}})
    assert edited.bank(Move.DEFLECT)[0].text == "Not this again."
    assert [ln.text for ln in base.bank(Move.DEFLECT)] == before
    base.bank(Move.DEFLECT).clear()  # a caller's list is its own
    assert [ln.text for ln in base.bank(Move.DEFLECT)] == before
