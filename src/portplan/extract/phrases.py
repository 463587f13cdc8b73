"""Words and noun phrases: what in a text can name an endpoint, and how a name is tidied.

Used by the sentence grammar (:mod:`.sentences`), the frames read from headings and captions
(:mod:`.frames`) and the table interpreter for notes such as "From the agents".
"""

from __future__ import annotations

import re
from functools import lru_cache

from portplan.extract.inline import clean_inline
from portplan.extract.ports import word_protocols
from portplan.extract.vocabulary import (
    DETERMINERS,
    DIRECTION_WORDS,
    ENTITY_HEADS,
    GENERIC_TITLE_WORDS,
    PERSONS,
    VERBS,
    words_of,
)

# Words keep inner dots ("Net.pipe", "VSPA.EXE") but not a sentence's full stop.
_WORD = re.compile(r"[A-Za-z0-9*](?:[A-Za-z0-9'’/_\-*]|\.(?=[A-Za-z0-9*]))*|\(|\)|,|;|:")
# A host name ("push.example.com") names an endpoint even without a capital or a noun.
HOST_NAME = re.compile(r"^(?:\*\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}$", re.IGNORECASE)

STOP = words_of(
    """to and in via on for from that which using over through with by when if then looking
    specifying instead where while so because who whose whether holding as at of but about
    after before during until unless or"""
)
MODALS = words_of("must should shall can cannot will may might is are be been being")
PRONOUNS = words_of("it they this that which these those each it's")
# Verbs that can end a noun phrase when a document leaves out the preposition.
NOT_NAMES = words_of(
    """following above below here there following: default defaults etc same other others
    required optional port ports number numbers"""
)


_STATES = frozenset(
    [
        "enabled",
        "disabled",
        "installed",
        "configured",
        "required",
        "allowed",
        "blocked",
        "opened",
        "closed",
    ]
)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _content(phrase: list[str]) -> list[str]:
    return [w for w in phrase if w.lower() not in DETERMINERS and w not in "(),"]


def _has_head(lowered: list[str]) -> bool:
    parts = [part for w in lowered for part in w.split("/")]  # "deskphones/computers"
    return any(w in ENTITY_HEADS or w.rstrip("s") in ENTITY_HEADS for w in parts)


def _is_port_phrase(lowered: list[str], heads: bool) -> bool:
    """ "TCP port 5432" is a port, not an endpoint; "HTTPS" is a protocol."""
    if lowered[0] in DIRECTION_WORDS:
        return True  # "outbound (TCP/443)"
    if any(any(c.isdigit() for c in w) and word_protocols(w) is not None for w in lowered):
        return True  # "tcp/443"
    if any(w.isdigit() for w in lowered):
        portish = any(w in ("port", "ports") or word_protocols(w) is not None for w in lowered)
        if portish or not heads:
            return True
    return False


def is_service_label(text: str) -> bool:
    """A few words that only name applications and transports ("SIP TCP/UDP", "RTP UDP",
    "SSH"), no digits: what a flow is for, not a system."""
    found = [w for w in re.split(r"[\s/,&+]+", text.strip()) if w]
    return (
        0 < len(found) <= 4
        and not any(c.isdigit() for c in text)
        and all(word_protocols(w) is not None for w in found)
    )


def is_entity(phrase: list[str], *, sentence_start: bool = False) -> bool:
    """Whether words name a system, a group of systems, a host or a proper name.

    What decides is the phrase's head — the words before its first preposition ("agents" in
    "the agents of each site", not "site"): it must hold an endpoint noun ("server",
    "nodes"), a host name, or a capitalised name that is not an activity ("Datadog", "Checkmk
    Relay"; not "Synchronization" or "Transmission of data").
    """
    lowered = [w.lower() for w in phrase if w not in "(),"]
    if not lowered or all(w in DETERMINERS for w in lowered):
        return False
    if lowered[-1] in _PRONOUNS:
        return False  # "By default these (are 1433)": a word pointing back, not a name
    content = _content(phrase)
    if _is_port_phrase(lowered, _has_head(lowered)):
        return False
    if content and word_protocols(content[0]) is not None and len(content) == 1:
        return False  # "HTTPS", "ICMP"
    if content and all(w.lower() in NOT_NAMES for w in content):
        return False
    if content and content[-1].lower() in _PREPOSITIONS:
        return False  # "HTTP, used by Let's Encrypt to": a phrase cut before its verb
    if content and content[-1].lower() in _STATES:
        return False  # "NAT enabled", "TLS required": a state, not a name
    if content and content[-1] in ("firewall", "firewalls") and all(w.islower() for w in content):
        return False  # "opened on a firewall": where the rules go, not an end of the flow
    if (
        content
        and content[0][:1].islower()
        and content[0] in VERBS
        and not _has_head([content[-1].lower()])
    ):
        return False  # "allow remote agent trigger": an action ("access points" is a thing)
    if (
        len(content) > 1
        and content[0].islower()
        and len(content[0]) > 5
        and content[0].endswith("ing")
        and not _has_head([content[-1].lower()])
    ):
        return False  # "scraping Tomcat metrics": an activity ("monitoring agents" are things)
    if all(word_protocols(w) is not None or w.lower() in STOP for w in content):
        return False  # "UDP and TCP", "HTTP or HTTPS"
    if any(w.lower() in ("is", "are", "was", "were", "be") for w in content):
        return False  # "URLs is sufficient": a clause, not a name
    if any("." in w and HOST_NAME.match(w) for w in lowered):
        return True
    head = _head_words(content)
    last = next((w for w in reversed(head) if not w.isdigit() and w not in "/&-"), "")
    if _has_head([w.lower() for w in head]) and not (last[:1].islower() and is_activity(last)):
        return True  # "ordinary network operation" is an activity, not a network
    return _is_proper_name(head, phrase, sentence_start=sentence_start)


_PRONOUNS = words_of("these those this that they it them which")
_PREPOSITIONS = words_of("of for in on at with from to via by over through into within using")
_ACTIVITY = re.compile(r"(?:tion|sion|ment|ing|ance|ence|ity|ness|ship|ure)s?$", re.IGNORECASE)


def is_activity(word: str) -> bool:
    """ "Transmission", "Synchronization", "Monitoring", "discovery", "traffic": a word for an
    activity, not a system."""
    lowered = word.lower()
    return (bool(_ACTIVITY.search(word)) or lowered in _ACTIVITIES) and lowered not in ENTITY_HEADS


_ACTIVITIES = words_of("traffic discovery access metrics backup backups sync replication")


def _head_words(content: list[str]) -> list[str]:
    """The words before the first preposition (not counting a leading one)."""
    for i, word in enumerate(content):
        if i and word.lower() in _PREPOSITIONS:
            return content[:i]
    return content


def _is_proper_name(content: list[str], phrase: list[str], *, sentence_start: bool) -> bool:
    """A capitalised word that does not just start the sentence, is not an activity
    ("Synchronization"), and not only people."""
    capitals = [
        w
        for w in content
        if w[:1].isupper()
        and not w.isdigit()
        and not _ACTIVITY.search(w)
        and w.lower() not in VERBS
    ]
    if (
        sentence_start
        and content
        and phrase
        and phrase[0] == content[0]
        and capitals[:1] == content[:1]
    ):
        capitals = capitals[1:] if len(content) == 1 else capitals
    if not capitals or all(w.lower() in PERSONS for w in content):
        return False
    last = next((w for w in reversed(content) if not w.isdigit() and w not in "/&-"), "")
    return not (last[:1].islower() and _ACTIVITY.search(last))


def is_person(phrase: list[str]) -> bool:
    content = [w.lower() for w in _content(phrase)]
    return bool(content) and all(w in PERSONS for w in content)


def tidy_name(text: str) -> str:
    """An endpoint name as a reader would write it: markup, leading articles, trailing
    punctuation and "the following" removed ("the *indexers*:" → "indexers")."""
    text = clean_inline(text).replace("*", "")
    text = " ".join(text.split())
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+(?:itself|themselves)$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+\((s|es)\)", r"(\1)", text)
    return text.strip(" ,;:.-–—'\"")


def join_words(phrase: list[str]) -> str:
    """Words back to text, tidied, without a leading determiner."""
    while phrase and phrase[0].lower() in DETERMINERS - {"all", "both", "each"}:
        phrase = phrase[1:]
    text = " ".join(phrase)
    text = text.replace("( ", "(").replace(" )", ")").replace(" ,", ",")
    return tidy_name(text)


@lru_cache(maxsize=4096)
def names_function(text: str) -> bool:
    """Whether a name says what a port does rather than what runs it: "KVM redirection",
    "Syslog forwarding" (an activity, with no endpoint noun), or a transport ("TCP/IP")."""
    found = [w for w in words(tidy_name(text)) if w not in "(),"]
    if not found:
        return False
    if _TRANSPORTS.fullmatch(" ".join(found)):
        return True
    # One word ("Monitoring", "Replication") may be a component's name; "KVM redirection"
    # is what something does.
    return len(found) > 1 and is_activity(found[-1]) and not _has_head([w.lower() for w in found])


_TRANSPORT = r"(?:tcp|udp|sctp)(?:\s*/\s*ip)?"
_TRANSPORTS = re.compile(rf"{_TRANSPORT}(?:\s*(?:/|&|,|and|or)\s*{_TRANSPORT})*", re.IGNORECASE)


def names_system(text: str) -> bool:
    """Whether a short text (a heading, a cell) is the name of a system rather than a topic:
    "Monitored host", "The Checkmk server", "Poller" — not "Default ports" or "Overview"."""
    tidy = tidy_name(text)
    found = words(tidy)
    if not found or len(found) > 7 or any(c.isdigit() for c in tidy):
        return False
    lowered = [w.lower() for w in found if w not in "(),"]
    topical = [w for w in lowered if w not in GENERIC_TITLE_WORDS and w not in DETERMINERS]
    if not topical or len(topical) < len(lowered) / 2:
        return False
    if any(w in ("how", "why", "what", "when", "where") for w in lowered):
        return False
    if len(lowered) == 1 and lowered[0].endswith(("ed", "ing")):
        return False  # "Distributed", "Monitoring": a manner, not a system
    if is_activity(found[-1]):
        return False  # "Hardware Recommendations": a topic
    return is_entity(found) or (bool(tidy[:1].isupper()) and found[0].lower() not in VERBS)
