"""Flows stated in prose: numbered process steps and sentences that name a port.

A step such as "4. An edge node accepts the job from the client and contacts PaperCut Cloud
Services to verify …  HTTPS/MQTT via Port 443" gives a flow whose source is the side that
connects (the sentence's subject, or the place where a person acts: "At the MFD, the user …")
and whose destination is what it connects to ("contacts X", "communicates with X", "delivers
… to X", "tries to reach X"). Responses ("X returns a list", "Y sends a list … to Z") point the
other way. When a step names no endpoints, it continues the previous step's conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portplan.extract.ports import PortGroup, looks_port_like, parse_ports, word_protocols
from portplan.extract.tables import OPTIONAL_MARK, Context, _fill_protocols

STEP = re.compile(r"^\s*(?:step\s+)?(\d{1,2})\s*[.):]\s+(?=\S)", re.IGNORECASE)


def _split(text: str) -> list[str]:
    """Words of a whitespace-separated vocabulary list (easier to read than a list literal)."""
    return text.split()


# "…to.HTTPS via", "…QR code.)HTTPS": two table cells glued together by a copy from HTML.
_GLUED = re.compile(r"([a-z0-9)\]][.!?]\)?)(?=[A-Z])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
# Words keep inner dots ("Net.pipe", "VSPA.EXE") but not a sentence's full stop.
_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9'’/_\-]|\.(?=[A-Za-z0-9]))*|\(|\)|,|;|:")

_DETERMINERS = frozenset(
    _split("the a an their its his her your our this that these those each every any some all")
)
PERSONS = frozenset(
    _split("""user users end-user end-users enduser administrator administrators admin admins you we
    they he she operator operators customer customers technician engineer engineers people
    person someone""")
)
_PRONOUNS = frozenset({"it", "they", "this", "that", "which", "these"})
ENTITY_HEADS = frozenset(
    _split("""node nodes node(s) server servers server(s) service services client clients printer
    printers printer(s) device devices device(s) computer computers app apps application
    applications mfd mfds mfp mfps cloud workstation workstations browser browsers database
    databases db gateway gateways agent agents endpoint endpoints host hosts controller
    controllers console consoles laptop laptops phone phones appliance appliances proxy
    proxies router routers firewall firewalls broker brokers portal connector connectors
    manager managers instance instances cluster clusters pc pcs desktop desktops terminal
    terminals scanner scanners relay relays balancer balancers backend frontend queue queues
    directory controller(s) site sites system systems machine machines vm vms container
    containers pod pods api apis peer peers member members replica replicas player players
    cache caches kiosk kiosks sensor sensors camera cameras recorder recorders collector
    collectors controller network networks subnet subnets lan vlan dmz segment repository
    repositories storage share shares archive vault bucket registry point points ap aps
    nas san switch switches""")
)
_VERBS = frozenset(
    _split("""communicates communicate contacts contact sends send delivers deliver accepts accept
    submits submit connects connect requests request returns return checks check tries try
    reaches reach uses use launches launch selects select displays display detects detect
    switches switch works work issues issue queries query polls poll pushes push pulls pull
    uploads upload downloads download syncs sync synchronizes synchronize forwards forward
    receives receive opens open establishes establish calls call invokes invoke notifies
    notify replicates replicate talks talk needs need must can will should may is are was
    were has have logs log registers register retrieves retrieve fetches fetch listens listen
    responds respond replies reply transfers transfer writes write reads read updates update
    prints print releases release obtains obtain gets get posts post streams stream
    broadcasts broadcast scans scan discovers discover authenticates authenticate verifies
    verify initiates initiate starts start runs run executes execute then also first
    attempts attempt looks look provides provide relays relay routes route accesses access
    monitors monitor reports report stores store loads load resolves resolve synchronises
    synchronise synchronizes synchronize pings ping sign signs""")
)
# Words after which a following endpoint is the one being connected to.
_CUES = frozenset(
    _split("""to with contacts contact reach reaches connects connect queries query polls poll calls
    call find into towards toward against pings ping checks check monitors monitor access
    accesses browse browses visit visits invoke invokes""")
)
_CUE_PAIRS = (("looking", "for"), ("searching", "for"), ("looks", "for"), ("log", "in"))
_STOP = frozenset(
    _split("""to and in via on for from that which using over through with by when if then looking
    specifying instead where while so because who whose whether holding as at of but
    about after before during until""")
)
_RESPONSE = re.compile(
    r"(?<!to )\b(?:returns?|responds?|repl(?:y|ies)|sends?\s+back"
    r"|sends?\s+(?:a|the)\s+(?:list|result|response|reply))\b",
    re.IGNORECASE,
)
# Verbs whose "from X" names the side being connected to ("downloads media from the cache").
_FETCH_VERBS = frozenset(
    _split("""downloads download fetches fetch retrieves retrieve pulls pull gets get obtains
    obtain loads load reads read copies copy syncs sync synchronises synchronise synchronizes
    synchronize scrapes scrape collects collect gathers gather polls poll queries query
    harvests harvest""")
)
# Verbs whose subject is the listening side: "X accepts connections from Y".
_RECEIVE_VERBS = frozenset(
    _split("""accepts accept receives receive listens listen allows allow handles handle serves
    serve""")
)
_CONNECTION_NOUNS = frozenset(
    _split("""connection connections request requests traffic call calls message messages query
    queries packets sessions session""")
)
# Verbs whose "in X" names the side written to ("stores the document in the repository").
_STORE_VERBS = frozenset(
    _split("stores store writes write saves save uploads upload puts put archives archive")
)
# A person opening something "on Y" reaches Y ("Administrators open the console on the server").
_ACCESS_VERBS = frozenset(
    _split("open opens access accesses browse browses visit visits reach reaches use")
)
_REACHABLE = re.compile(
    r"\b(?:every|each|all|the|a|an)\s+([\w\-]+(?:\s+[\w\-]+)?)\s+(?:is|are)\s+reachable", re.I
)
_ARROW_LINE = re.compile(
    r"^\s*(?:[-*•]\s*)?([^→<>=]{2,80}?)\s*(?:→|->|=>|⇒|⟶|-->)\s*([^:;,(]{2,80}?)\s*(?:[:;,(]|\s-\s|$)"
)
# Markdown emphasis and code marks around names ("**Manager → Agents**").
MARKUP = re.compile(r"\*\*|__|`")
# "Rule 7 (optional): Plover Hub to Syslog server, UDP 514": a label, then "A to B".
_LABEL_X_TO_Y = re.compile(
    r"^\s*(?:[-*•]\s*)?[^:]{1,40}:\s*(?:from\s+)?(?P<src>[A-Za-z][\w .'\-]{1,50}?)\s+to\s+"
    r"(?:the\s+)?(?P<dst>[A-Za-z][\w .'\-]{1,50}?)\s*[,;(]"
)
# A host name ("push.example.com") names an endpoint even without a capital or a noun.
_HOST_NAME = re.compile(r"^[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}$", re.IGNORECASE)
_NEGATED_PAREN = re.compile(
    r"\([^()]*(?:\bnot\b|n[’']t\b|\bcannot\b|\bnever\b)[^()]*\)", re.IGNORECASE
)
_LEADING_CLAUSE = re.compile(
    r"^(?:(?:optional|note|important|tip)\s*:\s*)?(?:(?:optionally|then|next|finally|additionally"
    r"|afterwards|lastly|first|second|third)\s*,?\s+)?(?:(?:if|when|once|after|before|whenever"
    r"|while|as soon as|for|to|in order to|during|for example)\b[^,]{0,200},\s*)?",
    re.IGNORECASE,
)
_LOCATIVE = re.compile(r"^(?:at|in|on|from|within)\s+([^,]{1,80}),\s*", re.IGNORECASE)
_RECIPROCAL = re.compile(r"\b(?:each other|one another)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Endpoints:
    src: str
    dst: str


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_entity(phrase: list[str], *, sentence_start: bool = False) -> bool:
    if not phrase:
        return False
    lowered = [w.lower() for w in phrase if w not in "(),"]
    if not lowered or all(w in _DETERMINERS for w in lowered):
        return False
    content = [w for w in phrase if w.lower() not in _DETERMINERS and w not in "(),"]
    heads = {w.lower() for w in content} & ENTITY_HEADS
    if any(w.isdigit() for w in lowered):
        portish = any(w in ("port", "ports") or word_protocols(w) is not None for w in lowered)
        if portish or not heads:
            return False  # "TCP port 5432" is a port, not an endpoint
    if content and word_protocols(content[0]) is not None and not heads:
        return False  # "HTTPS", "ICMP echo requests"
    if any(w.rstrip("s") in ENTITY_HEADS or w in ENTITY_HEADS for w in lowered):
        return True
    if any("." in w and _HOST_NAME.match(w) for w in lowered):
        return True
    # A proper name: a capitalised word that does not just start the sentence.
    content = [w for w in phrase if w.lower() not in _DETERMINERS and w not in "(),"]
    capitals = [w for w in content if w[:1].isupper() and w.lower() not in _VERBS]
    if sentence_start and content and phrase[0] == content[0]:
        capitals = capitals[1:] if len(content) == 1 else capitals
    return bool(capitals) and not all(w.lower() in PERSONS for w in content)


def _strip_determiners(words: list[str]) -> str:
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    text = " ".join(words)
    text = text.replace("( ", "(").replace(" )", ")").replace(" ,", ",")
    return re.sub(r" \((s|es)\)", r"(\1)", text).strip(" ,;:")


_MODALS = frozenset(_split("must should shall can cannot will may might is are"))


def _ends_phrase(word: str, inside: bool) -> bool:
    if word in (",", ";", ":") or word.lower() in _STOP:
        return True
    if inside and word.lower() in _MODALS:
        return True  # "to *.example.com must be allowed"
    if inside and word.lower() in ("every", "each", "once", "twice", "daily", "hourly"):
        return True  # "polls the license manager every 5 minutes"
    lowered = word.lower()
    # A third-person verb ends the phrase ("the job and contacts"); "call" in "the call
    # manager" does not.
    return inside and lowered in _VERBS and lowered.endswith("s") and word[:1].islower()


def _possessor(phrase: list[str]) -> list[str]:
    """ "the kiosk's health" → "the kiosk": what a check is about is the endpoint."""
    for i, word in enumerate(phrase):
        stem = re.sub(r"['’]s$", "", word)
        after = {w.lower() for w in phrase[i + 1 :]}
        if stem != word and stem.lower() in ENTITY_HEADS and not after & ENTITY_HEADS:
            return [*phrase[:i], stem]
    return phrase


def _numbered_note(words: list[str], opening: int) -> bool:
    for word in words[opening + 1 : opening + 8]:
        if word == ")":
            return False
        if word[:1].isdigit():
            return True
    return False


def _noun_phrase(words: list[str], start: int) -> tuple[list[str], int]:
    """The noun phrase starting at ``start`` (up to a preposition/punctuation) and its end."""
    end = start
    depth = 0
    while end < len(words):
        word = words[end]
        if word == "(" and depth == 0 and end > start and _numbered_note(words, end):
            break  # "the license server (TCP 5053)": the note holds the port, not the name
        if word == "(":
            depth += 1
        elif word == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and _ends_phrase(
            word, end > start and words[end - 1].lower() not in _DETERMINERS
        ):
            break
        end += 1
    phrase = words[start:end]
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
    if lowered in _STOP or lowered in _DETERMINERS or lowered in PERSONS:
        return False
    return before.lower() not in _DETERMINERS


def _verb_index(words: list[str]) -> int | None:
    for i, word in enumerate(words):
        if i == 0:
            continue
        if words[i - 1].lower() in _DETERMINERS and word.lower() not in ("is", "are", "can"):
            continue  # "the access points", "the call manager": a noun after a determiner
        if word[:1].islower() and word.lower() in _VERBS:
            return i
        if _looks_like_verb(word, words[i - 1]):
            return i
        if word in (",", ";", ":") and i > 8:
            return None
    return None


@dataclass
class _SentenceParse:
    src: str | None = None
    dst: str | None = None
    person_subject: bool = False
    pronoun_subject: bool = False
    response: bool = False


def _explicit_pair(text: str) -> tuple[str, str] | None:
    """ "A → B: TCP 443" or "… from the clients to the server …": both ends named outright."""
    arrow = _ARROW_LINE.match(text)
    if arrow:
        return arrow.group(1).strip(), arrow.group(2).strip()
    labelled = _LABEL_X_TO_Y.match(text)
    if labelled:
        first, second = _words(labelled.group("src")), _words(labelled.group("dst"))
        if _is_entity(first) and _is_entity(second):
            return _strip_determiners(first), _strip_determiners(second)
    words = _words(text)
    lowered = [w.lower() for w in words]
    for i, word in enumerate(lowered):
        if word not in ("from", "to", "between"):
            continue
        first, end = _noun_phrase(words, i + 1)
        joiner = {"from": "to", "to": "from", "between": "and"}[word]
        if end < len(words) and lowered[end] == joiner and _is_entity(first):
            second, _ = _noun_phrase(words, end + 1)
            if _is_entity(second):
                a, b = _strip_determiners(first), _strip_determiners(second)
                return (b, a) if word == "to" else (a, b)
        plural = bool(first) and first[-1].lower().endswith("s")
        alone = end >= len(words) or lowered[end] != "and"
        if word == "between" and plural and alone and _is_entity(first):
            # "Communication between the nodes uses TCP 7000-7010": node to node.
            name = _strip_determiners(first)
            return name, name
    return _opened_on(words, lowered) or _passive_pair(words, lowered)


def _opened_on(words: list[str], lowered: list[str]) -> tuple[str, str] | None:
    """ "Open port 8080/TCP on the Controller for the access points": Z connects to Y."""
    opened = ("open", "opened", "allow", "allowed", "permit", "permitted", "enable", "enabled")
    if not lowered or not any(w in opened for w in lowered[:12]):
        return None
    for i, word in enumerate(lowered):
        if word != "on" or not any(w in opened for w in lowered[max(0, i - 3) : i]):
            continue
        server, end = _noun_phrase(words, i + 1)
        if end < len(words) and lowered[end] in ("for", "from") and _is_entity(server):
            client, _ = _noun_phrase(words, end + 1)
            if "(" in client:
                client = client[: client.index("(")]  # "(device inform)" says why
            if _is_entity(client):
                return _strip_determiners(client), _strip_determiners(server)
    return None


def _passive_pair(words: list[str], lowered: list[str]) -> tuple[str, str] | None:
    """ "X is contacted by Y" and "X accepts connections from Y": Y connects to X."""
    verb = _verb_index(words)
    if verb is None:
        return None
    subject = words[:verb]
    if not _is_entity(subject, sentence_start=True):
        return None
    tail = lowered[verb : verb + 6]
    receiving = bool(tail) and tail[0] in _RECEIVE_VERBS
    if tail and tail[0] in ("is", "are", "can", "must", "will", "should"):
        receiving = len(tail) > 1 and tail[1] in _RECEIVE_VERBS
    marker: tuple[str, ...]
    about_traffic = bool(set(tail) & _CONNECTION_NOUNS) or any(
        word_protocols(w) is not None for w in tail
    )
    if receiving and lowered[verb] in ("listens", "listen"):
        marker = ("by", "from", "for")  # "X listens on TCP 8443 for administrator browsers"
    elif receiving and about_traffic:
        marker = ("by", "from")
    elif len(tail) > 1 and tail[0] in ("is", "are") and tail[1].endswith("ed"):
        marker = ("by",)
    elif set(tail) & {"reachable", "accessible"}:
        marker = ("from",)  # "X must be reachable from every Y"
    else:
        return None
    for j in range(verb + 1, len(words)):
        if lowered[j] in marker:
            source, _ = _noun_phrase(words, j + 1)
            if _is_entity(source):
                return _strip_determiners(source), _strip_determiners(subject)
    return None


def parse_sentence(sentence: str) -> _SentenceParse:
    """Who connects to whom in one sentence (either side may be missing)."""
    sentence = MARKUP.sub("", sentence)
    result = _SentenceParse()
    explicit = _explicit_pair(_NEGATED_PAREN.sub("", sentence))
    if explicit is not None:
        result.src, result.dst = explicit
        return result
    text = _NEGATED_PAREN.sub("", sentence).strip()
    text = _LEADING_CLAUSE.sub("", text)
    locative: str | None = None
    match = _LOCATIVE.match(text)
    if match:
        place = _words(match.group(1))
        if _is_entity(place):
            locative = _strip_determiners(place)
        text = text[match.end() :]
    text = _LEADING_CLAUSE.sub("", text)
    words = _words(text)
    verb = _verb_index(words)
    subject_words = words[:verb] if verb is not None else []
    rest_start = verb if verb is not None else 0
    subject_lowered = [w.lower() for w in subject_words if w.lower() not in _DETERMINERS]
    if subject_lowered and all(w in PERSONS for w in subject_lowered):
        result.person_subject = True
    elif subject_lowered and all(w in _PRONOUNS for w in subject_lowered):
        result.pronoun_subject = True
    elif _is_entity(subject_words, sentence_start=True):
        result.src = _strip_determiners(subject_words)
    if locative is not None and (result.person_subject or result.src is None):
        result.src = locative
    result.response = bool(_RESPONSE.search(text)) and result.src is not None
    # The destination: an endpoint right after a connecting verb or preposition.
    fetching = verb is not None and words[verb].lower() in _FETCH_VERBS
    storing = verb is not None and words[verb].lower() in _STORE_VERBS
    i = rest_start
    while i < len(words):
        word = words[i].lower()
        cue = word in _CUES or (fetching and word == "from") or (storing and word == "in")
        if word in ("on", "at") and any(w.isdigit() for w in words[max(0, i - 3) : i]):
            cue = True  # "connects to TCP port 5432 on the database server"
        if not cue and i + 1 < len(words):
            cue = (word, words[i + 1].lower()) in _CUE_PAIRS
            if cue:
                i += 1
        if cue and i > 0 and words[i - 1].lower() in _DETERMINERS:
            cue = False  # "the access points": a noun, not a verb
        if cue:
            if _RECIPROCAL.match(" ".join(words[i + 1 : i + 3])):
                result.dst = result.src
                break
            j = i + 1
            phrase, end = _noun_phrase(words, j)
            phrase = _possessor(phrase)
            starts_with_verb = bool(phrase) and phrase[0].lower() in (_VERBS | _CUES)
            if not starts_with_verb and _is_entity(phrase):
                result.dst = _strip_determiners(phrase)
                break
        i += 1
    accessing = verb is not None and words[verb].lower() in _ACCESS_VERBS
    if result.person_subject and locative is None and accessing and result.dst is None:
        for j in range(verb or 0, len(words)):
            if words[j].lower() == "on":
                phrase, _ = _noun_phrase(words, j + 1)
                if _is_entity(phrase):
                    result.src = _strip_determiners(subject_words)
                    result.dst = _strip_determiners(phrase)
                    return result
    if result.dst is None:
        reachable = _REACHABLE.search(text)
        if reachable:
            result.dst = reachable.group(1)
    if result.src is None and result.dst is not None and not result.person_subject:
        # "Port 5060 (SIP) is used by the phones to register with the call manager."
        for j, word in enumerate(words[:-1]):
            if word.lower() == "by":
                phrase, _ = _noun_phrase(words, j + 1)
                if _is_entity(phrase) and _strip_determiners(phrase) != result.dst:
                    result.src = _strip_determiners(phrase)
                    break
    if result.person_subject and locative is None and verb is not None:
        # "The user launches the X app …": the thing the person uses is the connecting side.
        j = verb + 1
        while j < len(words):
            phrase, end = _noun_phrase(words, j)
            heads = {w.lower() for w in phrase} & ENTITY_HEADS
            if heads and _strip_determiners(phrase) != result.dst:
                result.src = _strip_determiners(phrase)
                break
            j = max(end, j + 1)
    return result


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass(frozen=True)
class Statement:
    """One step or sentence with its port phrases separated from its words."""

    line: int
    text: str  # the evidence line text
    sentence: str
    port_phrases: tuple[str, ...]
    context: Context
    lines: tuple[int, ...]
    # A later sentence of the same line that names no endpoints of its own: it keeps the
    # endpoints of the sentence before it ("… on port 5671 (AMQPS). Plain AMQP on port 5672 …").
    follows: bool = False


def port_groups(phrases: tuple[str, ...], *, strict: bool = False) -> list[list[PortGroup]]:
    """Port groups per flow: a phrase naming a protocol starts a flow, bare numbers extend it.

    ``strict`` (running prose rather than a step's comms) counts only numbers tied to a
    protocol or the word "port".
    """
    flows: list[list[PortGroup]] = []
    for phrase in phrases:
        spec = parse_ports(phrase, numbers_are_ports=not strict)
        if not spec.has_ports:
            continue
        named = any(g.protocols for g in spec.groups)
        if named or not flows:
            flows.append(list(spec.groups))
        else:
            flows[-1].extend(spec.groups)
    out: list[list[PortGroup]] = []
    for groups in flows:
        known = next((g.protocols for g in groups if g.protocols), ("tcp",))
        out.append(_fill_protocols(groups, known))
    return out


def _is_port_phrase(text: str) -> bool:
    """A short phrase that states ports ("HTTPS/MQTT via Port 443"), not a whole sentence."""
    words = text.split()
    if not words or len(words) > 16:
        return False
    spec = parse_ports(text, numbers_are_ports=False)
    if spec.has_ports:
        first = words[0].strip("(*")
        leading = (
            word_protocols(first) is not None
            or first[:1].isdigit()
            or first.lower() in ("port", "ports", "via", "over", "on")
        )
        return len(words) <= 8 or leading
    bare = parse_ports(text, numbers_are_ports=True)
    return bare.has_ports and len(text.split()) <= 6 and bool(re.match(r"^\*?\d", text))


def split_statement(text: str) -> tuple[str, list[str]]:
    """Separate "sentence.HTTPS via Port 443" into the sentence and its port phrases."""
    # Cells of a table row read as prose ("… to the printer. | SNMP 161/162") are separate parts.
    text = text.replace(" | ", "\n")
    parts = [p.strip() for p in _GLUED.sub("\\1\n", text).split("\n") if p.strip()]
    words: list[str] = []
    phrases: list[str] = []
    for part in parts:
        if _is_port_phrase(part):
            phrases.append(part)
        elif part.upper() in ("N/A", "NA", "-", "NONE"):
            continue
        else:
            words.append(part)
    return " ".join(words), phrases


def endpoints_for(statement: Statement, previous: Endpoints | None) -> Endpoints | None:
    """Source and destination of a statement; falls back on the previous step's pair."""
    src: str | None = None
    dst: str | None = None
    fallback_src: str | None = None
    response_server: str | None = None
    for sentence in split_sentences(statement.sentence):
        parsed = parse_sentence(sentence)
        if parsed.response and parsed.src:
            if parsed.dst:
                return Endpoints(parsed.dst, parsed.src)
            response_server = parsed.src
            continue
        if parsed.src and parsed.dst:
            return Endpoints(parsed.src, parsed.dst)
        if parsed.src and fallback_src is None:
            fallback_src = parsed.src
        if parsed.dst and dst is None:
            dst = parsed.dst
    if response_server is not None:
        client = previous.src if previous else fallback_src
        if client:
            return Endpoints(client, response_server)
    src = fallback_src
    if src and dst:
        return Endpoints(src, dst)
    if previous is None:
        return None
    if src:
        return Endpoints(src, previous.dst)
    if dst:
        return Endpoints(previous.src, dst)
    return previous


def looks_like_port_statement(text: str) -> bool:
    return looks_port_like(text)


def is_optional(text: str, context: Context) -> bool:
    return context.optional or bool(OPTIONAL_MARK.search(text))
