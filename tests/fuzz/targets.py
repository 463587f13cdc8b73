"""The parsers portplan runs on outside data, each as a fuzz target with its inputs.

A target takes bytes and runs them the way the CLI would (read, parse, validate, and the stage
that uses the result: plan, audit, extract). The contract (:func:`check`): it returns, or it
raises a :class:`~portplan.errors.PortplanError` whose message is one line (one per problem
when a file has several). Any other exception
— and any broken invariant a target asserts — is a failure. The hypothesis suite
(tests/fuzz/test_parsers.py) and the long run (bench/fuzz.py) share these targets and inputs.
"""

from __future__ import annotations

import json
import random
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from portplan import pipeline
from portplan.catalog import load_catalog
from portplan.catalog.loader import product_from_yaml
from portplan.deployment import deployment_from_yaml
from portplan.errors import PortplanError
from portplan.extract import read_document
from portplan.extract.ports import parse_ports
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import canonical_services, format_services, parse_service
from portplan.verify.audit import audit
from portplan.verify.evaluate import load_ruleset
from portplan.verify.iptables import parse_iptables_save
from portplan.yamlio import parse_yaml_bytes
from tests.conftest import EXAMPLES, SEEDS
from tests.fuzz import grammar
from tests.fuzz.mutate import mutate_bytes, mutate_tree
from tests.verify.shared import EVAL, FUZZ, RULESETS

CORPUS = EVAL / "corpus" / "docs"
AUDITED = EXAMPLES / "lrs-vpsx" / "deployment.yaml"
REGRESSIONS = Path(__file__).resolve().parent / "regressions"


@dataclass(frozen=True)
class Target:
    """A parser, the real inputs it is given mutated, and a grammar for new ones."""

    name: str
    suffix: str  # of a saved failing input
    run: Callable[[bytes], object]
    texts: Callable[[], tuple[str, ...]]  # real inputs, mutated as text
    grammar: Callable[[], st.SearchStrategy[bytes]] | None = None
    trees: Callable[[], tuple[Any, ...]] | None = None  # parsed inputs, mutated as data
    dump: Callable[[Any], str] = json.dumps

    def inputs(self) -> st.SearchStrategy[bytes]:
        """The hypothesis strategy: grammar-built, or a real input mutated."""
        randoms = st.randoms(note_method_calls=False)
        choices = [st.builds(mutate_bytes, st.sampled_from(self.texts()), randoms)]
        if self.trees is not None:
            choices.append(st.builds(self.mutated_tree, st.sampled_from(self.trees()), randoms))
        if self.grammar is not None:
            choices.append(self.grammar())
        return st.one_of(choices)

    def mutated_tree(self, tree: Any, rng: random.Random) -> bytes:
        return self.dump(mutate_tree(tree, rng)).encode("utf-8", errors="surrogatepass")

    def generate(self, rng: random.Random, extra: Sequence[str] = ()) -> bytes:
        """One input without hypothesis (for the long run): a real or ``extra`` input mutated
        as text, or as data."""
        if self.trees is not None and rng.random() < 0.4:
            return self.mutated_tree(rng.choice(self.trees()), rng)
        texts = self.texts()
        pick = rng.randrange(len(texts) + len(extra))
        return mutate_bytes(texts[pick] if pick < len(texts) else extra[pick - len(texts)], rng)


def check(target: Target, data: bytes) -> str | None:
    """None when ``data`` is handled as the contract says, else what went wrong."""
    try:
        target.run(data)
    except PortplanError as exc:
        lines = exc.lines()  # one, or one per problem of a file
        if not lines or any("\n" in line or not line.strip() for line in lines):
            return f"{type(exc).__name__} not in whole lines: {lines[:3]!r}"
    except Exception:  # the contract: nothing but PortplanError
        return traceback.format_exc(limit=12)
    return None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


# ── seeds: real inputs, read once ────────────────────────────────────────────────────────────
def _read_all(paths: list[Path]) -> list[str]:
    return [path.read_text(encoding="utf-8", errors="replace") for path in sorted(paths)]


@cache
def documents() -> tuple[str, ...]:
    """Vendor documents: the seeds and the evaluation corpus (when beside the checkout)."""
    paths = [*SEEDS.glob("*.txt"), *CORPUS.glob("*.txt")] if SEEDS.is_dir() else []
    return tuple(_read_all(paths)) or (grammar.SAMPLE_DOCUMENT,)


@cache
def yaml_texts(kind: str) -> tuple[str, ...]:
    """The deployments (``kind`` deployment) or products (``product``) of the examples and the
    bundled catalog, as written."""
    products = sorted(Path(pipeline.bundled_dir()).glob("*.yaml"))
    deployments = [p for p in sorted(EXAMPLES.glob("**/*.yaml")) if "product" not in p.name]
    return tuple(_read_all(products if kind == "product" else deployments))


@cache
def yaml_trees(kind: str) -> tuple[Any, ...]:
    return tuple(yaml.safe_load(text) for text in yaml_texts(kind))


@cache
def iptables_rulesets() -> tuple[str, ...]:
    files = [p for p in (RULESETS / "ipt").glob("*") if p.stat().st_size < 20_000]
    found = _read_all(files) if files else []
    return tuple(found) or (grammar.SAMPLE_IPTABLES,)


@cache
def nft_documents() -> tuple[Any, ...]:
    """nft JSON documents: a dump written for the tests, and the fuzz reproducers that parse."""
    from tests.verify.test_nftjson import BASE

    found: list[Any] = [BASE]
    for path in sorted(FUZZ.glob("nftjson-*.json")) if FUZZ.is_dir() else []:
        if path.stat().st_size < 10_000:
            try:
                found.append(json.loads(path.read_bytes()))
            except ValueError:
                continue
    return tuple(found)


# ── what each target runs ─────────────────────────────────────────────────────────────────────
def run_service(data: bytes) -> None:
    services = parse_service(_text(data))
    # Printing is canonical: what it prints parses back to the same services.
    printed = format_services(services)
    again = canonical_services(s for text in printed for s in parse_service(text))
    assert again == canonical_services(services), (printed, services)


def run_ports(data: bytes) -> None:
    spec = parse_ports(_text(data))
    for group in spec.groups:
        for low, high in group.ports:
            assert 1 <= low <= high <= 65535, (low, high)


def run_product(data: bytes) -> None:
    parsed, source = parse_yaml_bytes(data, "product.yaml")
    product = product_from_yaml(parsed, source)
    for flow in product.flows:
        product.flow_services(flow)


@cache
def _catalog() -> Any:
    return load_catalog()


def run_deployment(data: bytes) -> None:
    parsed, source = parse_yaml_bytes(data, "deployment.yaml")
    catalog = _catalog()
    deployment = deployment_from_yaml(parsed, source, catalog)
    pipeline.plan_deployment(deployment, catalog)


@cache
def _audited() -> tuple[Deployment, Resolution]:
    return pipeline.plan(AUDITED)


def run_nft_json(data: bytes) -> None:
    ruleset = load_ruleset(data)
    audit(*_audited(), ruleset)


def run_iptables(data: bytes) -> None:
    ruleset = parse_iptables_save(_text(data), name="rules.v4")
    audit(*_audited(), ruleset)


def _extract(suffix: str) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        with tempfile.TemporaryDirectory(prefix="portplan-fuzz-") as directory:
            path = Path(directory) / f"document{suffix}"
            path.write_bytes(data)
            pipeline.extract_document(read_document(path))

    return run


# ── the targets ───────────────────────────────────────────────────────────────────────────────
@cache
def service_texts() -> tuple[str, ...]:
    """Every service string of the bundled products."""
    return tuple(
        dict.fromkeys(
            text
            for product in yaml_trees("product")
            for flow in product.get("flows", [])
            for text in flow.get("services", [])
        )
    )


@cache
def nft_texts() -> tuple[str, ...]:
    return tuple(json.dumps(document, indent=1) for document in nft_documents())


@cache
def html_documents() -> tuple[str, ...]:
    return tuple(grammar.as_html(document) for document in documents())


def _yaml_dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("service", ".txt", run_service, service_texts, grammar.services),
        Target("ports", ".txt", run_ports, grammar.port_lines, grammar.port_phrases),
        Target(
            "product-yaml",
            ".yaml",
            run_product,
            lambda: yaml_texts("product"),
            grammar.yaml_documents,
            lambda: yaml_trees("product"),
            _yaml_dump,
        ),
        Target(
            "deployment-yaml",
            ".yaml",
            run_deployment,
            lambda: yaml_texts("deployment"),
            grammar.yaml_documents,
            lambda: yaml_trees("deployment"),
            _yaml_dump,
        ),
        Target("nft-json", ".json", run_nft_json, nft_texts, grammar.nft_documents, nft_documents),
        Target("iptables-save", ".rules", run_iptables, iptables_rulesets, grammar.iptables_save),
        Target("extract-text", ".txt", _extract(".txt"), documents),
        Target("extract-html", ".html", _extract(".html"), html_documents),
    )
}
