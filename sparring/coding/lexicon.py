"""Phrase patterns for the rules coder, grouped by code.

Each pattern is a linguistic frame (subject + modal + verb, copula + evaluative
adjective, authority noun + obligation verb) rather than a list of whole
sentences, so it carries over to other wording and to counselling transcripts.
All patterns run on lower-cased text with straight quotes.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class PhraseSet:
    """Alternative phrase patterns searched as two regexes: sentence-initial ones, and the rest.

    Factoring the leading word boundary out of the alternation lets the regex engine
    skip positions quickly; one `\\b(?:a|b|...)` is several times faster than `\\ba|\\bb|...`.
    """

    def __init__(self, *parts: str) -> None:
        anchored = [p[1:] for p in parts if p.startswith("^")]
        inner = [p[2:] if p.startswith(r"\b") else p for p in parts if not p.startswith("^")]
        self._start = re.compile("^(?:" + "|".join(anchored) + ")") if anchored else None
        self._any = re.compile(r"\b(?:" + "|".join(inner) + ")") if inner else None

    def search(self, text: str) -> re.Match[str] | None:
        if self._start is not None and (m := self._start.search(text)):
            return m
        return self._any.search(text) if self._any is not None else None


#: Anything the coder can search a sentence with.
Searchable = re.Pattern[str] | PhraseSet


def _rx(*parts: str) -> PhraseSet:
    return PhraseSet(*parts)


#: Emotion and strain words; naming one the manager did not say makes a reflection complex.
FEELING = re.compile(
    r"\b(frustrat\w*|exhaust\w*|tired|worr(?:y|ied|ying|ies)|anxi\w+|stress\w*|overwhelm\w*|"
    r"stretched|thin|lonely|alone|isolat\w+|hurt\w*|sting\w*|upset\w*|angry|anger|annoy\w*|"
    r"discourag\w+|dishearten\w*|disappoint\w*|afraid|fear\w*|scar(?:ed|y)|dread\w*|insult\w*|"
    r"unfair|embarrass\w*|uncomfortable|awkward|guilt\w*|shook|shaken|wary|sceptic\w*|skeptic\w*|"
    r"resent\w*|pressure\w*|burden\w*|heavy|hard|tough|difficult|impossible|stuck|trapped|torn|"
    r"drain\w*|getting to you|gets to you|driving you|on your back|burn(?:ed|t)(?: out| by| before)?|no slack|no space|no room|bottleneck|relentless|brutal|wearing (?:on )?you|weigh\w*|overlooked|"
    r"undermin\w+|second-guess\w*|judged|watched|spotlight|doubt\w*|unsure|proud|reliev\w+|"
    r"hopeful|excit\w+|nervous|fed up|sick of|sad|hate|safer|confus\w+|lost|helpless|"
    r"hopeless|ashamed|scared|panic\w*|pain\w*|miserable|unhappy|happy|angst|care about|"
    r"you care|cares?|feel(?:s|ing)? (?:bad|awful|terrible|guilty|rubbish|small|useless|responsible)|"
    r"not good enough|being done to you|questioning|cost(?:ing)? you|taking everything)\b"
)

#: Adjectives for how a situation feels; "It's annoying when...", "Sounds frustrating".
_FEELING_ADJ = (
    r"hard|tough|difficult|frustrating|painful|exhausting|discouraging|disheartening|lonely|annoying|"
    r"upsetting|maddening|infuriating|irritating|scary|frightening|worrying|demoralising|demoralizing|"
    r"overwhelming|stressful|draining|confusing|awkward|uncomfortable|unsettling|a lot|rough|horrible|awful"
)

#: Openers that mark a statement as a reflection of what the speaker said or meant.
REFLECTIVE_STEM = _rx(
    r"^(?:so,? |and |ok,? )?(?:it |that )?sounds? (?:like|as if|as though)\b",
    r"^(?:so,? )?(?:it|that) (?:sounds|seems|must feel|feels)\b",
    r"^(?:so,? )?you (?:sound|seem)\b",
    r"^(?:so,? )?(?:it )?seems (?:like|as if)\b",
    r"^(?:so,? )?(?:what )?i'?m hearing\b",
    r"^(?:so,? )?i hear (?:that|you saying|how|the|what)\b",
    r"^(?:so,? )?(?:a )?part of you\b",
    r"^(?:so,? )?on (?:the )?one hand\b",
    r"^(?:so,? )?(?:for you|from where you (?:sit|stand)|in your (?:view|eyes|mind)|"
    r"from your (?:side|point of view|perspective)),",
    r"^(?:so,? )?you(?:'re| are) (?:feeling|saying|telling me|wondering|not sure|worried|"
    r"afraid|tired|frustrated|stuck|caught|torn|holding|carrying|juggling)\b",
    r"^(?:so,? )?you(?: really)? (?:feel|felt|want|wanted|wish|hope|'d like|would like|don't want|"
    r"don't see|can see|can't see|care|need)\b",
    r"^so,? (?:you|your)\b",
    r"^(?:it's|it is|it can be|it must be) (?:so |really |very |pretty |quite )?(?:" + _FEELING_ADJ + r")\b",
)

#: "So ..." opening a statement: a summary or reflection if it picks up the manager's words.
SO_SUMMARY = re.compile(r"^so,? (?!i\b|i'|we\b|let's\b|yeah\b|ok\b|okay\b)")

#: A reflection that holds two sides at once is complex by definition.
DOUBLE_SIDED = _rx(
    r"\bpart of you\b.*\b(?:part of you|another part|other part)\b",
    r"\bon (?:the )?one hand\b",
    r"\bat the same time\b",
    r"\band yet\b",
    r"\brather than\b",
    r"\b(?:isn't|is not|not) (?:about|really about) .*\b(?:it's|it is|but) (?:about|really)\b",
    r"\band (?:you're|you are|you) (?:also|still)\b", r"\bbut (?:you're|you are) also\b",
    r"\bthe more\b.*\bthe more\b",
    r"\beven though\b",
)

#: Reading between the lines: meaning, metaphor, inference.
ADDED_MEANING = _rx(
    r"^(?:so,? )?(?:a )?part of you\b",
    r"\b(?:feels|felt|feel) (?:like|as if|as though)\b",
    r"\bfirst thing to go\b",
    r"\b(?:because|since) you (?:care|value|want)\b",
    r"\bwhat matters\b",
    r"\b(?:it's like|as if|as though)\b",
    r"\bcosts? you\b",
    r"\bthere's no (?:space|room|slack)\b",
    r"\b(?:that's|it's) not you\b",
    r"\bsqueezed?\b",
    r"\bmakes it hard\b",
)

EMPATHY = _rx(
    r"^(?:sounds|must be|seems|sounds like it's|that's|that is|what a) (?:so |really |very |pretty |quite |a )?"
    r"(?:" + _FEELING_ADJ + r")\b",
    r"\b(?:that|this|it)(?:'s| is| must be| must feel| sounds| sounds like| seems| feels)"
    r"(?: (?:a|an|such|really|very|so|pretty|quite|incredibly|genuinely|a really|such a))* "
    r"(?:(?:\w+ )?(?:spot|position|place|situation|pace|load|bind|shift|adjustment|transition)|a lot|tough|hard|"
    r"rough|difficult|exhausting|frustrating|painful|stressful|draining|heavy|horrible|awful|unfair|lonely|"
    r"brutal|overwhelming|upsetting|disheartening|discouraging)\b",
    r"\bi know (?:that )?(?:this|it's|it is|you're|you are|your|how)\b", r"\bbig (?:shift|change|adjustment|step|transition)\b",
    r"\b(?:a lot of|many|most|plenty of) (?:\w+ )?(?:people|managers|leaders|folks|coaches) (?:find|feel|struggle)\b",
    r"\bmust be (?:\w+ )?(?:hard|tough|difficult|exhausting|frustrating|draining|stressful|lonely)\b",
    r"\bno wonder\b", r"\bmakes (?:complete |total |a lot of )?sense\b", r"\b(?:it's|that's) natural\b",
    r"\bunderstandabl[ey]\b", r"\bi can (?:see|understand|imagine) (?:why|how)\b",
    r"^(?:i get (?:that|it)|i understand|i hear you|fair enough)\b",
    r"\bnot the only (?:one|\w+ manager|person)\b", r"\b(?:really |very )?common\b",
    r"\bit happens\b", r"\bi'd feel the same\b", r"\bi hear the\b",
    r"\b(?:can|may|might) feel (?:\w+ )?(?:uncomfortable|awkward|hard|daunting|strange|difficult)\b",
    r"\byou're right that\b", r"\bthat's a (?:\w+ )?(?:month|week|year|load)\b",
    r"\bit's not easy\b", r"\b(?:people|anyone|everyone) (?:would|understand)\b",
)

AFFIRMATION = _rx(
    r"\byou(?:'ve| have)? (?:clearly|obviously|really|genuinely)\b(?! (?:need|should|have to|must|feel|felt|want|"
    r"wanted|wish|hope|don't|didn't|do not|like|liked|mentioned|seem|sound|believe|worry|care|enjoy|miss))",
    r"\b(?:it )?says (?:a lot|something (?:good|positive))\b", r"\bcredit to you\b",
    r"\bimpressive\b", r"\b(?:a|real|your) strength\b|\bstrengths\b",
    r"\byou know (?:this|them|it|teams|your (?:team|people|stuff)|the \w+)(?: \w+)? (?:far |much |a lot )?better\b",
    r"\bknow (?:your stuff|it inside out|what you're doing)\b", r"\bthoughtful\b",
    r"\bself-awareness\b", r"\b(?:that )?takes (?:real |a lot of )?(?:courage|guts|honesty)\b",
    r"\byou've handled\b", r"\bno small (?:thing|feat)\b",
    r"\btrusted (?:with|to)\b", r"\b(?:a lot of|all that|your) experience\b",
    r"\byears of (?:\w+ )?(?:results|experience|success)\b", r"\bwell done\b",
    r"\bgreat (?:job|work|question|goal|idea|point)\b", r"\bi love that\b",
    r"\bdoing better than you think\b", r"\b(?:i )?appreciate (?:you|your)\b",
    r"\bthanks? (?:you )?for (?:making|taking|being|your)\b", r"\bshows? (?:you|that you)\b",
    r"\bshows? (?:real |a lot of |great |real )?(?:commitment|courage|strength|determination|care|insight|maturity)\b",
    r"\bhigh standards\b", r"\bgood for you\b",
    r"\byou(?:'ve| have) (?:\w+ ){1,4}(?:really |very )?well\b(?! (?:enough|aware))", r"\b(?:strong|great|impressive|solid|proven) track record\b",
    r"\byour \w+ (?:is|are) (?:strong|great|excellent|impressive|solid|outstanding)\b", r"\byou're (?:good|great|skilled|strong) at\b", r"\blearn(?:ed|t) a (?:huge|great) (?:amount|deal)\b",
    r"\bseen a lot of\b", r"\bhave done well\b|\bdone well\b", r"\b(?:saw|see) (?:something|potential) in you\b",
    r"\byou've earned\b", r"\btakes ownership\b", r"\bcredit\b", r"\bwhich is a strength\b",
    r"\bopen to new\b", r"\byou've built\b",
    r"\b(?:real |big |great )?(?:achievement|accomplishment)\b", r"\bproud of you\b", r"\b(?:good|nice) (?:job|work)\b",
    r"\btakes (?:real )?(?:courage|commitment|strength|effort)\b", r"\bhard work\b", r"\byou've (?:already )?(?:made|done) (?:a lot|real|great)\b",
)

GOAL = _rx(
    r"^(?:so,? |and |maybe )?would (?:you|it) (?:like|want|be useful|help|be (?:ok|okay|alright|all right|helpful))\b",
    r"\bwould it be (?:ok|okay|alright|all right|useful|helpful)\b", r"\b(?:is it|would it be) ok(?:ay)? if\b",
    r"\b(?:may|can|could) i (?:share|offer|suggest|ask|add|explain|make)\b", r"\bwould you be open to\b",
    r"\bif you like,? i\b", r"\bif (?:that's|it's) (?:useful|helpful|ok|okay)\b", r"\bif that works for you\b",
    r"\bdo you want to (?:brainstorm|look|think|explore|work|talk|try|start|focus)\b", r"\bshall we\b(?! get started)",
    r"\bhappy to share\b", r"\bi could share\b", r"\bsee what fits\b", r"\b(?:then|and|so|can) you decide\b", r"\bup to you\b",
    r"\bwhat would you (?:like|most like|hope)\b", r"\bwhat do you (?:hope|most hope|want) (?:from|to|for)\b",
    r"\bwhat (?:are|were) you (?:thinking|planning) (?:about |of )?(?:doing|trying)\b",
    r"\bwhat (?:would|do) you (?:most )?want (?:from|out of|to (?:get|achieve|focus|work|change|build|hand|try|start|happen|do))\b",
    r"\bwhere would you like\b", r"\bget out of\b", r"\bwhat's on your mind(?: today| this \w+)?\??$", r"\bmost (?:important|useful)\b",
    r"\bworthwhile\b", r"\b(?:good|ideal|best) outcome\b", r"\bsuccess look like\b",
    r"\bwhat (?:would|might|could) help\b", r"\bwhat do you think would help\b",
    r"\bwhat (?:would|might|could) make\b[^?]*\b(?:useful|worthwhile|worth|realistic|manageable|possible|doable|easier|"
    r"work for you|helpful|sustainable)\b|\bwhat (?:would|might|could) make\b[^?]*\bfor you\b", r"\b(?:next|first) step\b",
    r"\bhand(?:ing)? over first\b", r"\bcould (?:you )?(?:hand over|let go of|let go)\b|\blet go of\b",
    r"\bwhat options\b", r"\balready considered\b", r"\bcould wait\b", r"\bcome off your plate\b",
    r"\bhow will you know\b", r"\bmaking progress\b", r"\bwhich (?:decisions|\w+) would you\b",
    r"\bwhat kind of \w+ do you want to be\b", r"\blook like in practice\b", r"\bwhat would\b[^?]{0,40}\blook like (?:for|to) you\b",
    r"\bwhich (?:sounds|feels|fits) (?:closer|best|right|better)\b",
    r"\bwhat would (?:a |an |the )?(?:good|great|better|ideal|successful|realistic)\b[^?]* (?:look|sound|feel) like\b", r"\bmake that (?:our|the|your) (?:goal|focus)\b",
    r"\b(?:where|how) (?:would|do) you (?:like|want) to (?:start|begin)\b", r"\bwhat would you want to\b",
    r"\bhow could we use\b", r"\b(?:it's|that's|it is) (?:entirely |completely |really )?(?:your|up to you)(?: (?:decision|choice|call))?\b", r"\bbrainstorm\b", r"\bmap out\b", r"\bthink through\b", r"\bwant from today\b",
    r"\bwhat would it take\b", r"\bcould imagine\b", r"\bwhat would you like to (?:happen|do|see)\b",
    r"\b(?:how about|what if) we (?:agree|decide|pick|choose|plan|look|try|set|work)\b",
    r"\bagree (?:on )?what you(?:'ll| will| want to)\b", r"\bcheck in (?:on|next|again|on how)\b",
)

DIRECTIVE = _rx(
    r"\b(?<!what )(?<!how )(?<!where )you(?:'ll| will)? (?:really |just |probably |definitely |still )?(?:should|need to|need (?:a|an)|have to|must|"
    r"ought to|'d better|had better|just have to|gotta|got to)\b(?! have (?:been|\w+ed|done|dealt|known))",
    r"\byou'll have to\b", r"\b(?<!let me )(?<!want to )(?<!just to )make sure (?:you|that)\b",
    r"\bthe (?:best|right|only) (?:approach|way|thing)\b(?! (?:you|they|we|i) (?:can|could|knew|know))",
    r"\bthe (?:trick|key|answer|solution) is\b", r"\bit's the only way\b", r"\bwhat you need (?:is|to do)\b",
    r"\bi(?:'d| would) (?:recommend|suggest|advise)\b", r"\bi (?:recommend|suggest|advise)\b",
    r"\bit's in your interest\b", r"\bplease just\b", r"\bif i were you\b", r"\bin your (?:shoes|position),? i'd\b",
    r"\bif it were me\b", r"\byou'd be better off\b", r"\bthat's all it takes\b",
)

#: Base verbs that open an imperative sentence ("Delegate it.", "Try blocking...").
IMPERATIVE_VERBS = _words(
    """delegate try turn put push set start stop get go send use block write be act fake accept make
    give ask schedule focus let talk hold invest book move drop keep take call find prioritise
    prioritize reschedule cancel pick plan check share tell stay bring say consider remember think
    avoid apologise apologize sit clear have show treat trust explain listen meet review document
    reset escalate mediate organise organize aim limit cut hand sort decide do"""
)
#: Imperatives that invite talk or leave the choice to the manager, so they are not advice.
INVITING_IMPERATIVE = re.compile(
    r"^(?:tell me|talk me through|walk me through|describe|say (?:a bit |a little )?more|help me|"
    r"share (?:with me|more)|see what fits|think about what|take your time|give me a sense|let me|"
    r"let's (?:see|look|explore|talk|think|start|make|use|go|take|get|not)|have a think|bear with|"
    r"remember,? there's no|take a moment|go on|keep going|feel free)\b"
)
DIRECTIVE_NEGATED = re.compile(
    r"\b(?:not (?:saying|suggesting|telling you|here to tell|going to tell|going to sell)|don't have to|"
    r"not that you (?:should|have to))\b"
)

ARGUING = _rx(
    r"\b(?:that's|that is|it's|this is) not (?:true|right|fair|accurate|the case|what|really what)\b",
    r"\bnot true\b", r"\bi (?:disagree|don't agree)\b", r"\bi don't think (?:that's|that is|it's|so)\b",
    r"\bi'm not sure (?:that's|that is) (?:fair|true|right)\b", r"\bsays? otherwise\b",
    r"\b(?:is|isn't|aren't|are not|is not) (?:the|really the) (?:issue|problem|point)\b",
    r"\bhas nothing to do with\b", r"\bdoesn't mean\b", r"\b(?:it's|that's) a myth\b",
    r"\bsays? something different\b", r"\bplenty of\b", r"\bother (?:\w+ ){1,5}(?:manage|cope|do it|find)\b",
    r"\bexactly what \w+ say\b", r"\bdefinition of\b", r"^no,", r"\bthe opposite\b", r"\bclearly it's not\b",
    r"\bdon't actually\b", r"^actually,? (?:the|it|they|that|this|you)\b", r"^with respect,? the\b",
    r"\b(?:is|are) exactly when\b", r"^but (?:if you|you|this|that|they|it's)\b",
    r"\bisn't (?:support|good|fine|the issue)\b", r"^\w+ (?:isn't|is not) (?:good|good enough|enough|fine)\b",
    r"\b(?:they|he|she|people|nobody|no one) (?:won't|don't|aren't going to|will not) (?:hate|blame|judge|mind)\b",
    r"\bbut (?:the data|the numbers|your team's|the survey)\b", r"\b(?:do|does) (?:work|help|matter|take|care|listen)\b",
    r"^(?:it|they|that|this|you|open \w+) (?:is|are|do|does) (?:a|work|take)\b",
    r"^(?:the (?:scores|numbers|data)) (?:aren't|isn't|are not|is not)\b", r"\blet's not pretend\b", r"\bto be fair\b(?=.*\bbut\b)",
)

JUDGING = _rx(
    r"\byou(?:'re| are| seem| sound| look| come across as)(?: like)? (?:being )?(?:a bit |pretty |quite |very |"
    r"so |really |too |rather |just )?(?:defensive|paranoid|dramatic|negative|difficult|stubborn|rigid|lazy|"
    r"overreacting|overthinking|resistant|closed|controlling|arrogant|rude|naive|avoid\w*|making excuses|"
    r"in denial|kidding yourself|fooling yourself|deluding yourself|unrealistic|unreasonable|hostile)\b",
    r"\b(?:that's|that is|that was|it's|this is|sounds|that sounds|seems)(?: like)? (?:(?:a|an|bit|of|pretty|quite|"
    r"very|rather|probably|fairly|really|so|somewhat|kind|sort)\s+)*"
    r"(?:defensive|negative|arrogant|rude|cynical|harsh|dismissive|hostile|cowardly|dramatic|controlling|"
    r"condescending|lazy|excuse|cop-out|yes-but|micromanag\w*|victim|too harsh|weak|unprofessional|"
    r"passive-aggressive|immature|childish|selfish|naive|careless|sloppy|irresponsible|unreasonable|petty|"
    r"stubborn|short-sighted|closed-minded|disrespectful|lazy|entitled|negative)\b",
    r"\b(?:an |making )?excuses?\b", r"\bcop-out\b", r"\bvictim mindset\b", r"\battitude\b",
    r"\bweak leadership\b", r"\b(?:not|isn't) a good look\b", r"\bisn't great\b", r"\bavoiding your job\b",
    r"\bgiven up on\b", r"\btrained (?:them )?to depend\b", r"\bdidn't give it (?:much|a) (?:of a )?chance\b",
    r"\bthat's a pattern\b", r"\byou always\b", r"\byou never\b",
    r"\byou should have (?:\w+ed|done|dealt|known|thought|been)\b", r"\bpart of why we're here\b",
    r"\bpart of the (?:reason|problem)\b", r"\bno need to be\b", r"\bmicromanag\w*\b", r"\bbrushing it off\b",
    r"\byou(?:'re| are) (?:(?:really|honestly|frankly|just|simply),? )?(?:the|your own) (?:problem|issue|bottleneck|"
    r"obstacle|blocker)\b", r"\byou(?:'re| are) (?:(?:really|honestly|frankly|just|simply),? )?(?:the one|what's) "
    r"(?:holding|getting in)\b",
)

PULLING_RANK = _rx(
    r"\b(?:hr|the vp|your vp|your director|your boss|your manager|leadership|the leadership team|"
    r"the executive team|executives|the board|legal|senior management|the business|the company|"
    r"head office|the ceo|the court|the judge|your probation officer|probation|the law|policy)\b(?: \w+){0,3} "
    r"(?:expects?|asked|has asked|requires?|wants?|will (?:see|hear|be expecting|get involved|support)|"
    r"won't support|has (?:already )?flagged|signed you up|made|tracks?|set for you|is the one|ordered|orders)\b",
    r"\bmandatory\b", r"\bcompulsory\b", r"\b(?:are|is|you're) required\b", r"\brequires? all\b",
    r"\bnot optional\b", r"\bnon-negotiable\b", r"\bpart of your (?:objectives|review|performance|appraisal)\b",
    r"\bperformance review\b", r"\bin your review\b", r"\bit'll be escalated\b|\bwill be escalated\b",
    r"\b(?:goes?|went|will go|'ll go|be (?:sent|passed|escalated)) (?:straight |right )?(?:up )?to (?:hr|the leadership team|"
    r"your (?:director|vp|boss|manager)|the (?:director|vp|board|ceo))\b", r"\bcame from above\b",
    r"\bwhatever you think\b", r"\bmanager standards\b", r"\bbacked by\b", r"\bis tracked\b",
    r"\b(?:every|all) managers? (?:is|are) expected\b", r"\bthe \w+ framework requires\b",
    r"\bobjectives (?:hr|leadership) set\b", r"\bwill come up in your\b", r"\bshow up in your\b",
)

#: Normalising remarks: they console rather than reflect.
GENERIC = re.compile(r"\bnot the only\b|\b(?:really |very |quite )?common\b|\bit happens\b|\bhappens? (?:to )?(?:everyone|everywhere|all the time)\b")

#: A neutral fact the coach saw: a record, a count, something said earlier.
OBSERVATION = _rx(
    r"^i(?:'ve)? (?:noticed|notice|spotted)\b", r"^i (?:see|saw) (?:that|from|in|on|the|your|you've|you have|there)\b",
    r"\b(?:shows?|showed|mentioned?|mention|according to)\b", r"^looking at\b",
    r"^(?:the|your) (?:\w+ )?(?:survey|data|calendar|diary|numbers|tracker|records?|dashboard|figures)\b",
    r"\b(?:two|three|four|five|six|\d+) of (?:your|the)\b", r"\bwent (?:up|down)\b",
)

ADVICE_REQUEST = re.compile(
    r"\bwhat (?:would|should|do|could) (?:you|i) (?:do|suggest|recommend|advise)\b|\bany (?:advice|ideas|tips|"
    r"suggestions)\b|\bwhat do you (?:suggest|recommend)\b|\btell me what to do\b|\bhow (?:do|should) i\b"
)

#: The coach asks before advising; advice in the same turn is then not directive (MITI: with permission).
PERMISSION = re.compile(
    r"\b(?:would it be (?:ok|okay|alright|all right|useful|helpful) if|(?:is it|would it be) ok(?:ay)? (?:if|to)|"
    r"(?:may|can|could) i (?:share|offer|suggest|add|make)|if you(?:'d)? like|would you like (?:me to|some|my|to hear)|"
    r"happy to share|if (?:that's|it's|that'd be|it would be) (?:useful|helpful|ok|okay)|if it helps|"
    r"would you be open to (?:hearing|some)|do you want (?:my|some|to hear)|(?:since|as) you asked|"
    r"you asked (?:me|for)|take it or leave it|see what fits|up to you|your call)\b"
)

#: The coach asks before giving advice, information or feedback, or before raising a topic of
#: their own (MITI: seeking permission). Offers made conditional ("if you want it") count.
ASKING_PERMISSION = _rx(
    r"\bwould it (?:help|be (?:ok|okay|alright|all right|useful|helpful)) if i\b",
    r"\b(?:is it|would it be) (?:ok|okay|alright|all right|fine)(?: with you)? (?:if (?:i|we)|to (?:share|tell|offer|"
    r"give|raise|mention|suggest|add))\b",
    r"\bwould it be (?:ok|okay|alright|all right|useful|helpful) to (?:hear|share|look at|talk about)\b",
    r"\b(?:may|can|could) i (?:share|offer|suggest|add|make a suggestion|tell you|give you|mention|raise|"
    r"throw in|put)\b",
    r"\b(?:do you |would you )?mind if i\b",
    r"\bwould you (?:like|want|be open|be interested) (?:me to (?:share|tell|suggest|offer)|some (?:ideas|thoughts|"
    r"suggestions|options|input|feedback)|my (?:view|take|thoughts|honest view|two cents|input|feedback)|"
    r"to hear|to hearing|hearing)\b",
    r"\bdo you want (?:my|some|to hear|me to (?:share|tell|suggest))\b",
    r"\bwould (?:you )?(?:want|like) to hear (?:them|it|some|a|what)\b",
    r"\bif you (?:want|'d like|would like) (?:it|them|some|to hear)\b",
    r"\bif you like,? i (?:can|could)\b", r"\bhappy to share\b",
    r"\bi could share\b.*\bif (?:that's|it's|that'd be|it would be) (?:useful|helpful|ok|okay)\b",
    r"\bbefore i (?:say|share|suggest|offer|add) (?:anything|something|some|a)\b",
    r"\bwould it be (?:useful|helpful) to hear\b",
)

#: The coach emphasises the manager's autonomy: the choice, the call, the knowledge are theirs.
AUTONOMY = _rx(
    r"\b(?:(?:it's|it is|that's|that is|this is|is|that'll be|it'll be) (?:entirely |completely |totally |really |"
    r"always |all |still )?)?(?:your (?:call|choice|decision)|up to you)\b(?! to\b)",
    r"^you (?:get to |can |alone )?(?:decide|choose)\b(?! (?:too|everything|all))", r"\b(?:then|and|so) you decide\b",
    r"\byou(?:'re| are) the one (?:who|that) (?:decides|chooses|gets to)\b", r"\bonly you can (?:decide|choose|say)\b",
    r"\byou know (?:your (?:team|people|department|business|situation|own \w+)|them|yourself) (?:best|better than)\b",
    r"\bwhatever you (?:choose|decide|pick)\b", r"\btake it or leave it\b", r"\bsee what fits\b",
    r"\byou(?:'re| are) in charge of (?:what|how|where|whether)\b", r"\b(?:nobody|no one) can make you\b",
    r"\b(?:(?:it's|it is) )?(?:completely |totally |perfectly )?fine to say no\b",
    r"\bi won't tell you how to\b", r"\byour choice how\b", r"\byour (?:team|department) and your (?:call|choice)\b",
)
