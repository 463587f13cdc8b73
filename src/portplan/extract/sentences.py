"""Who connects to whom in one sentence.

The side that connects is the source — the sentence's subject ("The webserver communicates with
the indexers"), the place a person acts from ("At the MFD, the user …"), the app a person
launches — and the destination is what it connects to ("contacts X", "communicates with X",
"delivers … to X", "tries to reach X", "downloads … from X", "connects to TCP port 5432 on X").
Passive and receiving forms point the other way: "X is contacted by Y", "X accepts connections
from Y", "X must be reachable from Y", "Port 5060 is used by Y to register with X". Both ends
named outright: "A → B", "from A to B", "between A and B", "A to B requires …".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from portplan.extract.phrases import (
    HOST_NAME,
    MODALS,
    PRONOUNS,
    STOP,
    is_entity,
    is_person,
    join_words,
    words,
)
from portplan.extract.ports import word_protocols
from portplan.extract.vocabulary import DETERMINERS, ENTITY_HEADS, VERBS, split_arrow, words_of

# Words after which a following endpoint is the one being connected to.
CUES = words_of(
    """to with contacts contact reach reaches connects connect queries query polls poll calls
    call find into towards toward against pings ping checks check monitors monitor access
    accesses browse browses visit visits invoke invokes"""
)
_CUE_PAIRS = (("looking", "for"), ("searching", "for"), ("looks", "for"), ("log", "in"))
_RESPONSE = re.compile(
    r"(?<!to )\b(?:returns?|responds?|repl(?:y|ies)|sends?\s+back"
    r"|sends?\s+(?:a|the)\s+(?:list|result|response|reply))\b",
    re.IGNORECASE,
)
# Verbs whose "from X" names the side being connected to ("downloads media from the cache").
FETCH_VERBS = words_of(
    """downloads download fetches fetch retrieves retrieve pulls pull gets get obtains obtain
    loads load reads read copies copy syncs sync synchronises synchronise synchronizes
    synchronize scrapes scrape collects collect gathers gather polls poll queries query
    harvests harvest scraping"""
)
# Verbs whose subject is the listening side: "X accepts connections from Y".
RECEIVE_VERBS = words_of(
    """accepts accept receives receive listens listen allows allow handles handle serves serve
    exposes expose"""
)
_CONNECTION_NOUNS = words_of(
    """connection connections request requests traffic call calls message messages query
    queries packets sessions session communication communications"""
)
_STORE_VERBS = words_of(
    "stores store writes write saves save uploads upload puts put archives archive"
)
_ACCESS_VERBS = words_of("open opens access accesses browse browses visit visits reach reaches use")
_REACHABLE_WORDS = words_of("reachable accessible available exposed")
_NEGATED_PAREN = re.compile(r"\([^()]*(?:\bnot\b|n[’']t\b|\bcannot\b|\bnever\b)[^()]*\)", re.I)
_LEADING_CLAUSE = re.compile(
    r"^(?:(?:optional|note|important|tip)\s*:\s*)?(?:(?:optionally|then|next|finally|additionally"
    r"|afterwards|lastly|first|second|third|also)\s*,?\s+)?(?:(?:if|when|once|after|before"
    r"|whenever|while|as soon as|for|to|in order to|during|for example|in most cases|by default"
    r"|by\s+default|in\s+general|usually|typically)\b[^,]{0,200}"
    r",\s*)?"
    r"(?:you(?:'ll|’ll|\s+will)?\s+(?:want|need|have)\s+to\s+)?(?:(?:ensure|make\s+sure|verify"
    r"|check)\s+(?:that\s+)?)?",
    re.IGNORECASE,
)
_LOCATIVE = re.compile(r"^(?:at|in|on|from|within)\s+([^,]{1,80}),\s*", re.IGNORECASE)
_RECIPROCAL = re.compile(r"\b(?:each other|one another)\b", re.IGNORECASE)
_MARKUP = re.compile(r"\*\*|__|`|\*")
# "Rule 7 (optional): Plover Hub to Syslog server, UDP 514": a label, then "A to B".
_LABEL_X_TO_Y = re.compile(
    r"^\s*[^:]{1,40}:\s*(?:from\s+)?(?P<src>[A-Za-z][\w .'\-/]{1,50}?)\s+to\s+"
    r"(?:the\s+)?(?P<dst>[A-Za-z][\w .'\-/]{1,50}?)\s*[,;(]"
)
# "Master server to media server requires …", "Client to master server: …".
_LEADING_X_TO_Y = re.compile(
    r"^\s*(?:from\s+)?"
    r"(?P<src>[A-Za-z](?:(?!\b(?:must|should|be|is|are|MUST)\b)[\w .'\-/]){0,50}?)"
    r"\s+to\s+(?:the\s+)?"
    r"(?P<dst>[A-Za-z][\w .'\-/]{1,50}?)\s+(?=requires?\b|needs?\b|uses?\b|must\b|communicat"
    r"|connect|:|-\s)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Endpoints:
    src: str
    dst: str


@dataclass
class SentenceParse:
    src: str | None = None
    dst: str | None = None
    person_subject: bool = False
    pronoun_subject: bool = False
    response: bool = False
    subject_only: bool = False  # the source is just the sentence's subject (no "by"/"from")


def _ends_phrase(word: str, inside: bool) -> bool:
    lowered = word.lower()
    if word in (",", ";", ":") or lowered in STOP:
        return True
    if inside and lowered in MODALS:
        return True  # "to *.example.com must be allowed"
    if inside and lowered in ("every", "each", "once", "twice", "daily", "hourly", "either"):
        return True  # "polls the license manager every 5 minutes"
    if inside and word[:1].islower() and len(lowered) > 4 and lowered.endswith("ly"):
        return True  # "Salt master directly": an adverb ends the name
    # A third-person verb ends the phrase ("the job and contacts"); "call" in "the call
    # manager" does not.
    return inside and lowered in VERBS and lowered.endswith("s") and word[:1].islower()


def _possessor(phrase: list[str]) -> list[str]:
    """ "the kiosk's health" → "the kiosk": what a check is about is the endpoint."""
    for i, word in enumerate(phrase):
        stem = re.sub(r"['’]s$", "", word)
        after = {w.lower() for w in phrase[i + 1 :]}
        if stem != word and stem.lower() in ENTITY_HEADS and not after & ENTITY_HEADS:
            return [*phrase[:i], stem]
    return phrase


def _numbered_note(found: list[str], opening: int) -> bool:
    for word in found[opening + 1 : opening + 8]:
        if word == ")":
            return False
        if word[:1].isdigit():
            return True
    return False


def noun_phrase(found: list[str], start: int) -> tuple[list[str], int]:
    """The noun phrase starting at ``start`` (up to a preposition or punctuation), its end."""
    end, depth = start, 0
    while end < len(found):
        word = found[end]
        if word == "(" and depth == 0 and end > start and _numbered_note(found, end):
            break  # "the license server (TCP 5053)": the note holds the port, not the name
        if word == "(":
            depth += 1
        elif word == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and _ends_phrase(
            word, end > start and found[end - 1].lower() not in DETERMINERS
        ):
            break
        end += 1
    phrase = found[start:end]
    if phrase and phrase[-1] == ")" and "(" not in phrase:
        phrase = phrase[:-1]
    return phrase, end


def _looks_like_verb(word: str, before: str) -> bool:
    """A third-person verb not in the list ("synchronises", "stores"): a lower-case -s word
    that is not a known noun and does not follow a determiner."""
    lowered = word.lower()
    if not word[:1].islower() or len(word) <= 3 or not lowered.endswith("s"):
        return False
    if lowered.endswith(("ss", "us", "is", "ous")) or lowered in ENTITY_HEADS:
        return False
    if lowered in STOP or lowered in DETERMINERS:
        return False
    return before.lower() not in DETERMINERS


def verb_index(found: list[str]) -> int | None:
    depth = 0
    for i, word in enumerate(found):
        depth += (word == "(") - (word == ")")
        if i == 0 or depth > 0:
            continue  # words in parentheses are a note, not the sentence's verb
        if found[i - 1].lower() in DETERMINERS and word.lower() not in ("is", "are", "can"):
            continue  # "the access points", "the call manager": a noun after a determiner
        if word.lower() in ENTITY_HEADS and (i + 1 == len(found) or found[i + 1] in "(),;:—–-"):
            continue  # "to the mail relay (notifications)": a noun that ends its phrase
        if (
            i + 1 < len(found)
            and found[i + 1].lower() in ENTITY_HEADS
            and found[i + 1] not in ("to", "on")
        ):
            continue  # "the tax tables update service": a verb word naming a kind of system
        if (word[:1].islower() or word.isupper()) and word.lower() in VERBS:
            return i  # "must", and "MUST" as RFC-style requirements write it
        if _looks_like_verb(word, found[i - 1]):
            return i
        if word in (",", ";", ":") and i > 8:
            return None
    return None


def _name(phrase: list[str]) -> str:
    return join_words(phrase)


def _from_to_pair(found: list[str], lowered: list[str]) -> tuple[str, str] | None:
    """ "… from the clients to the server …", "between A and B", "to X from Y"."""
    for i, word in enumerate(lowered):
        if word not in ("from", "to", "between"):
            continue
        first, end = noun_phrase(found, i + 1)
        joiner = {"from": ("to", "into"), "to": ("from",), "between": ("and",)}[word]
        if end < len(found) and lowered[end] in joiner and is_entity(first):
            second, _ = noun_phrase(found, _after_verb(found, lowered, end + 1))
            if is_entity(second):
                a, b = _name(first), _name(second)
                return (b, a) if word == "to" else (a, b)
        plural = bool(first) and first[-1].lower().endswith("s")
        alone = end >= len(found) or lowered[end] != "and"
        if word == "between" and plural and alone and is_entity(first):
            # "Communication between the nodes uses TCP 7000-7010": node to node.
            name = _name(first)
            return name, name
    return None


def _after_verb(found: list[str], lowered: list[str], start: int) -> int:
    """ "from A to communicate with B": skip the verb and its preposition to reach B."""
    if start < len(found) and lowered[start] in VERBS | CUES and lowered[start] not in DETERMINERS:
        step = start + 1
        if step < len(found) and lowered[step] in ("with", "to", "into"):
            step += 1
        return step
    return start


def _opened_on(found: list[str], lowered: list[str]) -> tuple[str, str] | None:
    """ "Open port 8080/TCP on the Controller for the access points": Z connects to Y."""
    opened = ("open", "opened", "allow", "allowed", "permit", "permitted", "enable", "enabled")
    if not any(w in opened for w in lowered[:12]):
        return None
    for i, word in enumerate(lowered):
        if word != "on" or not any(w in opened for w in lowered[max(0, i - 5) : i]):
            continue
        server, end = noun_phrase(found, i + 1)
        if end < len(found) and lowered[end] in ("for", "from") and is_entity(server):
            client, _ = noun_phrase(found, end + 1)
            if "(" in client:
                client = client[: client.index("(")]  # "(device inform)" says why
            if len(client) > 1 and client[-1].lower() in ("traffic", "connections", "requests"):
                client = client[:-1]  # "for agent traffic": the agents
            if is_entity(client):
                return _name(client), _name(server)
    return None


def _receiving_marker(tail: list[str], verb_word: str) -> tuple[str, ...] | None:
    receiving = bool(tail) and tail[0] in RECEIVE_VERBS
    if tail and tail[0] in ("is", "are", "can", "must", "will", "should"):
        receiving = len(tail) > 1 and tail[1] in RECEIVE_VERBS
    about_traffic = bool(set(tail) & _CONNECTION_NOUNS) or any(
        word_protocols(w) is not None for w in tail
    )
    if receiving and verb_word in ("listens", "listen"):
        return ("by", "from", "for")  # "X listens on TCP 8443 for administrator browsers"
    if receiving and about_traffic:
        return ("by", "from")
    if len(tail) > 1 and tail[0] in ("is", "are") and tail[1].endswith("ed"):
        return ("by",)
    if set(tail) & _REACHABLE_WORDS:
        return ("from", "by", "to")  # "X must be reachable from every Y"
    return None


def _passive_pair(found: list[str], lowered: list[str]) -> tuple[str, str] | None:
    """ "X is contacted by Y" and "X accepts connections from Y": Y connects to X."""
    verb = verb_index(found)
    if verb is None:
        return None
    subject = found[:verb]
    if not is_entity(subject, sentence_start=True):
        return None
    marker = _receiving_marker(lowered[verb : verb + 6], lowered[verb])
    if marker is None:
        return None
    for j in range(verb + 1, len(found)):
        if lowered[j] in marker:
            source, _ = noun_phrase(found, j + 1)
            if is_entity(source):
                return _name(source), _name(subject)
    return None


def explicit_pair(text: str) -> tuple[str, str] | None:
    """Both ends named outright: "A → B: TCP 443", "from the clients to the server",
    "Master server to media server requires …", "X is contacted by Y"."""
    arrow = _arrow_part(text) or available_pair(text)
    if arrow is not None:
        return arrow
    for pattern in (_LABEL_X_TO_Y, _LEADING_X_TO_Y):
        match = pattern.match(text)
        if match:
            first, second = words(match.group("src")), _before_means(words(match.group("dst")))
            if _is_clause(first) or _is_clause(second):
                continue  # "Step 1: The scanner sends the image to …": a sentence, not a label
            if is_entity(first) and is_entity(second):
                return _name(first), _name(second)
    found = words(text)
    lowered = [w.lower() for w in found]
    return (
        _from_to_pair(found, lowered) or _opened_on(found, lowered) or _passive_pair(found, lowered)
    )


# "required to make Headscale available to Tailscale clients": the clients reach Headscale.
_AVAILABLE = re.compile(
    r"\bmak(?:e|es|ing)\s+(?:the\s+)?(?P<server>[\w .'/-]{1,40}?)\s+"
    r"(?:available|accessible|reachable)\s+(?:to|for|from)\s+(?:the\s+)?"
    r"(?P<clients>[\w .'/-]{1,50}?)\s*(?:[.,;(\[]|$)",
    re.IGNORECASE,
)


def available_pair(text: str) -> tuple[str, str] | None:
    """(clients, server) of "make X available to Y"."""
    found = _AVAILABLE.search(text)
    if found is None:
        return None
    server, clients = words(found.group("server")), words(found.group("clients"))
    if is_entity(server) and is_entity(clients):
        return _name(clients), _name(server)
    return None


def _is_clause(phrase: list[str]) -> bool:
    """A verb with its object inside ("scanner sends the scanned image")."""
    lowered = [w.lower() for w in phrase]
    return any(
        lowered[i] in VERBS and lowered[i + 1] in DETERMINERS for i in range(1, len(lowered) - 1)
    )


_MEANS = frozenset(["over", "via", "using", "through", "with"])


def _before_means(phrase: list[str]) -> list[str]:
    """ "capture server over SMB": the name ends where how it is reached begins."""
    cut = next((i for i, w in enumerate(phrase) if i and w.lower() in _MEANS), len(phrase))
    return phrase[:cut]


_PARTS = re.compile(r"\s[—–-]{1,2}\s|:\s|;\s")


def _arrow_part(text: str) -> tuple[str, str] | None:
    """ "`443/tcp` — Sensor → Ridgeline Cloud: upload", "UDP 67: Switches -> Profiler (DHCP)":
    the part of the text that holds an arrow between two names."""
    if not any(mark in text for mark in ("→", "->", "=>", "⇒", "⟶", "↔", "←", "<-", "&rarr;")):
        return None
    for part in _PARTS.split(text):
        part = re.sub(r"\s*\([^()]*\)\s*$", "", part.strip())
        arrow = split_arrow(part)
        if arrow is None:
            continue
        first, second = words(arrow[0]), words(arrow[1])
        if is_entity(first, sentence_start=True) and is_entity(second, sentence_start=True):
            return _name(first), _name(second)
    return _arrow_in(text)


_ARROW_PHRASE = re.compile(
    r"^\s*([^→<>=]{2,80}?)\s*(?:→|->|=>|⇒|⟶|-->|↔|<->)\s*([^:;,(]{2,80}?)\s*(?:[:;,(]|\s-\s|$)"
)


def _arrow_in(text: str) -> tuple[str, str] | None:
    match = _ARROW_PHRASE.match(text)
    if match is None:
        return None
    first, second = words(match.group(1)), words(match.group(2))
    if not first or not second:
        return None
    return _name(first), _name(second)


def _subject(parse: SentenceParse, subject_words: list[str]) -> None:
    while subject_words and subject_words[0].lower() in _CONJUNCTIONS:
        subject_words = subject_words[1:]  # "But most connections …"
    lowered = [w.lower() for w in subject_words if w.lower() not in DETERMINERS]
    if _SUBORDINATE.intersection(lowered):
        # "when you create an instance you (need …)": a clause, its subject a person's
        parse.pronoun_subject = bool(PRONOUNS.union({"you", "we", "i"}).intersection(lowered))
        return
    if lowered and is_person(subject_words):
        parse.person_subject = True
    elif lowered and all(w in PRONOUNS for w in lowered):
        parse.pronoun_subject = True
    elif is_entity(subject_words, sentence_start=True):
        parse.src = _name(subject_words)
        parse.subject_only = True


_BOTH_WAYS = re.compile(r"\bbi-?directional(?:ly)?\b|\bin\s+both\s+directions\b", re.I)
_CONFIGURING = re.compile(
    r"\b(?:add|adds|enable|enables|create|creates|configure|configures|allow|allows|open|opens)\b"
    r"[^.]{0,40}\b(?:rules?|ports?|traffic|connections?|firewall)\b",
    re.IGNORECASE,
)
# "checks that every player is reachable": the player is what is reached.
_CHECKED = re.compile(
    r"\b(?:that|whether|if)\s+(?P<what>[\w' -]{1,50}?)\s+(?:is|are)\s+"
    r"(?:reachable|available|online|alive|up|responding|listening)\b",
    re.IGNORECASE,
)
_CONJUNCTIONS = frozenset(["but", "and", "or", "so", "yet", "however", "also"])
_SUBORDINATE = frozenset(
    [
        "when",
        "if",
        "after",
        "before",
        "while",
        "once",
        "because",
        "unless",
        "until",
        "whenever",
    ]
)


_NUMBERS = re.compile(r"^\d+(?:[-–:,]\d+)*$")


def _is_cue(found: list[str], i: int, verb: int | None) -> tuple[bool, int]:
    word = found[i].lower()
    verb_word = found[verb].lower() if verb is not None else ""
    cue = word in CUES or (word == "from" and verb_word in FETCH_VERBS)
    cue = cue or (word == "in" and verb_word in _STORE_VERBS)
    if word in ("on", "at") and any(_NUMBERS.match(w) for w in found[max(0, i - 3) : i]):
        cue = True  # "connects to TCP port 5432 on the database server", "ports 20000-20004 on"
    if not cue and i + 1 < len(found) and (word, found[i + 1].lower()) in _CUE_PAIRS:
        return True, i + 1
    if cue and i > 0 and found[i - 1].lower() in DETERMINERS:
        return False, i  # "the access points": a noun, not a verb
    return cue, i


def _destination(parse: SentenceParse, found: list[str], start: int, verb: int | None) -> None:
    """An endpoint right after a connecting verb or preposition."""
    i = start
    while i < len(found):
        cue, i = _is_cue(found, i, verb)
        if cue:
            if _RECIPROCAL.match(" ".join(found[i + 1 : i + 3])):
                if parse.src is None:
                    _by_agent(
                        parse, found, reciprocal=True
                    )  # "used by indexers to talk to each other"
                parse.dst = parse.src
                return
            phrase, _ = noun_phrase(found, i + 1)
            phrase = _possessor(phrase)
            starts_with_verb = bool(phrase) and phrase[0].lower() in (VERBS | CUES)
            if not starts_with_verb and is_entity(phrase):
                parse.dst = _name(phrase)
                return
        i += 1


def _by_agent(parse: SentenceParse, found: list[str], *, reciprocal: bool = False) -> None:
    """ "Port 5060 (SIP) is used by the phones to register with the call manager"."""
    for j, word in enumerate(found[:-1]):
        if word.lower() == "by":
            phrase, _ = noun_phrase(found, j + 1)
            if is_entity(phrase) and (reciprocal or _name(phrase) != parse.dst):
                parse.src = _name(phrase)
                parse.subject_only = False
                return


def _person_tool(parse: SentenceParse, found: list[str], verb: int) -> None:
    """ "The user launches the X app …": the thing the person uses is the connecting side."""
    j = verb + 1
    while j < len(found):
        phrase, end = noun_phrase(found, j)
        heads = {w.lower() for w in phrase} & ENTITY_HEADS
        if heads and _name(phrase) != parse.dst:
            parse.src = _name(phrase)
            return
        j = max(end, j + 1)


def _person_on(parse: SentenceParse, found: list[str], verb: int, subject: list[str]) -> bool:
    """ "Administrators open the console on the server": the person reaches the server."""
    for j in range(verb, len(found)):
        if found[j].lower() == "on":
            phrase, _ = noun_phrase(found, j + 1)
            if is_entity(phrase):
                parse.src = _name(subject)
                parse.dst = _name(phrase)
                return True
    return False


# "… to the bank's SFTP server — only if payment file export is used": a condition set off
# by a dash is not part of who talks to whom.
_DASHED_CONDITION = re.compile(
    r"\s[—–-]{1,2}\s(?:only|if|when|unless|except|which|where|e\.g\.|for\s+example)\b[^—–]*(?=\s[—–]\s|$)",
    re.IGNORECASE,
)


_STEP_LABEL = re.compile(r"^\s*(?:step\s+)?\d{1,2}\s*[.):]\s+", re.IGNORECASE)


def _strip_clauses(text: str) -> tuple[str, str | None]:
    text = _STEP_LABEL.sub("", text)  # "Step 1: The scanner sends …"
    text = _DASHED_CONDITION.sub("", text) if "—" in text or "–" in text or " - " in text else text
    text = _LEADING_CLAUSE.sub("", _NEGATED_PAREN.sub("", text).strip())
    locative: str | None = None
    match = _LOCATIVE.match(text)
    if match:
        place = words(match.group(1))
        # "From the console, …", "At the MFD, the user logs in …" name the source; "On
        # Microsoft Azure, you need to add rules …" only the setting of an administrator's task.
        setting = match.group(0)[:4].lower() != "from" and _CONFIGURING.search(text)
        if is_entity(place) and not setting:
            locative = _name(place)
        text = text[match.end() :]
    return _LEADING_CLAUSE.sub("", text), locative


_CONNECTIONS_FROM = re.compile(
    r"\b(?:connections?|requests?|traffic|access)\s+from\s+(?:the\s+|all\s+|any\s+)?"
    r"(?P<name>[\w][\w .'/\-]{1,50}?)\s*(?=\bto\b|\bon\b|\bvia\b|[.,;(]|$)",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def parse_sentence(sentence: str) -> SentenceParse:
    """Who connects to whom in one sentence (either side may be missing)."""
    sentence = _MARKUP.sub("", sentence)
    result = SentenceParse()
    explicit = explicit_pair(_strip_clauses(sentence)[0])
    if explicit is not None:
        result.src, result.dst = explicit
        return result
    text, locative = _strip_clauses(sentence)
    found = words(text)
    verb = verb_index(found)
    subject_words = found[:verb] if verb is not None else []
    _subject(result, subject_words)
    if verb is not None and found[verb].lower() in ("listen", "listens") and result.src:
        result.dst, result.src, result.subject_only = result.src, None, False  # "nodes listen on"
    if locative is not None and (result.person_subject or result.src is None):
        result.src = locative
    result.response = bool(_RESPONSE.search(text)) and result.src is not None
    # Without a subject ("TCP 443 to the update service"), the destination may come first.
    subject_found = result.src is not None or result.person_subject or result.pronoun_subject
    _destination(result, found, (verb or 0) if subject_found else 0, verb)
    accessing = verb is not None and found[verb].lower() in _ACCESS_VERBS
    if result.person_subject and locative is None and accessing and result.dst is None:
        assert verb is not None
        if _person_on(result, found, verb, subject_words):
            return result
    if result.src is None and result.dst is not None and not result.person_subject:
        _by_agent(result, found)
    if result.person_subject and locative is None and verb is not None:
        _person_tool(result, found, verb)
    if result.dst is None:
        checked = _CHECKED.search(text)
        what = (
            [w for w in words(checked.group("what")) if w.lower() not in DETERMINERS]
            if checked
            else []
        )
        if what and is_entity(what):
            result.dst, result.subject_only = _name(what), False
    if result.src is None and result.dst is not None:
        # "Allow connections from the agent system to port 5555 on the CM system"
        client = _CONNECTIONS_FROM.search(text)
        if client and is_entity(words(client.group("name"))):
            result.src = _name(words(client.group("name")))
    if result.src and result.dst is None and _BOTH_WAYS.search(text):
        # "SAN client and master/media servers require … ports …, bi-directional"
        first, _, second = result.src.partition(" and ")
        if second and is_entity(words(first)) and is_entity(words(second)):
            result.src, result.dst, result.subject_only = first, second, False
    return result


def host_name(text: str) -> bool:
    return bool(HOST_NAME.match(text.strip()))
