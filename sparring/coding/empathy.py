"""Everyday expressions of empathy that the workplace lexicon does not cover.

The rules' empathy frames (`lexicon.EMPATHY`) were written for coaching talk
("That's a tough spot", "No wonder you're stretched"). People who support each
other in plain language mostly say something else: an emotional reaction
("I'm so sorry you're going through this", "That sucks"), a shared experience
("I've been there"), or a validation ("It's okay to feel that way", "You're not
alone"). There is no labelled empathy data for this domain to fit on, so these
are frames again, written from the definition (acknowledge or validate the
other person's feeling or situation), and used by the learned coder both as a
feature and as direct evidence. Asking about feelings is exploration, not
empathy, in this scheme, so questions are left out.
"""

from __future__ import annotations

import re

EMPATHY_EXPRESSIONS = re.compile(
    r"\b(?:"
    r"(?:i'm|i am|im) (?:so |really |very |truly |deeply )?sorry (?:to hear|you|that you|for (?:your|what)|"
    r"about (?:your|what)|this is|it's|things)|sorry (?:to hear|for your loss|you're going through)|"
    r"(?:that|this|it) (?:really |totally |honestly )?sucks|"
    r"i(?:'ve| have) been (?:there|through (?:this|that|something|the same|similar|it))|"
    r"i went through (?:this|that|the same|something similar)|"
    r"i (?:can |totally |really |completely )?(?:relate|feel (?:for )?you|feel your pain)\b|"
    r"i (?:totally |really |completely )?(?:understand|know) (?:how|what) (?:you(?:'re| are)? feel|that feels|it feels|"
    r"hard|difficult|painful|tough|you(?:'re| are) going through)|"
    r"i can (?:only )?imagine (?:how|what)|can't imagine how (?:hard|difficult|painful)|"
    r"you(?:'re| are) not alone|you are never alone|not the only one who feels|"
    r"(?:it's|it is|that's|that is) (?:totally |completely |perfectly |so )?(?:okay|ok|normal|natural|valid|"
    r"understandable|human) to (?:feel|be|not be)|your feelings are (?:valid|real|understandable)|"
    r"(?:sending|big|virtual) hugs|\*hugs\*|hang in there|i'm here for you|here if you need|"
    r"(?:must|would) (?:have been|be|feel) (?:so |really |incredibly |very )?(?:hard|painful|awful|scary|lonely|"
    r"overwhelming|exhausting|frustrating|heartbreaking|devastating|difficult|tough)|"
    r"(?:sounds|that sounds|it sounds) (?:so |really |incredibly |very )?(?:hard|painful|awful|scary|lonely|"
    r"overwhelming|exhausting|frustrating|heartbreaking|devastating|difficult|tough|rough|stressful)|"
    r"(?:my|our) heart (?:goes out|breaks)|that's (?:heartbreaking|devastating|awful|terrible|horrible)|"
    r"you(?:'ve| have) (?:been through|had) (?:so much|a lot|a really|a tough|a hard)|"
    r"(?:of course|no wonder) you(?:'re| are| feel)|anyone (?:would|in your (?:shoes|position) would) feel|"
    r"you don't deserve|you deserve (?:better|to be|support)"
    r")"
)

#: "I'm sorry, but..." concedes nothing: it is the opening of a rebuttal.
_SORRY_BUT = re.compile(r"\bsorry,? but\b")


def expresses_empathy(low: str) -> str | None:
    """The empathic phrase in a lower-cased statement, if any."""
    if _SORRY_BUT.search(low):
        return None
    m = EMPATHY_EXPRESSIONS.search(low)
    return m.group(0) if m else None
