"""Routes between sites: shortest paths over the links, hub-and-spoke through the hub."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portplan.flows.paths import NoRoute, SiteGraph
from portplan.model.deployment import Deployment

SITES = [f"s{i}" for i in range(6)]

link = st.tuples(
    st.lists(st.sampled_from(SITES), min_size=2, max_size=4, unique=True),
    st.booleans(),
)


def deployment_with(links: list[tuple[list[str], bool]]) -> Deployment:
    return Deployment.model_validate(
        {
            "name": "routes",
            "sites": [{"name": s} for s in SITES],
            "zones": [{"name": "z", "site": "s0", "cidrs": ["10.0.0.0/24"]}],
            "links": [
                {"name": f"l{i}", "sites": sites}
                | ({"topology": "hub-and-spoke", "hub": sites[0]} if hub else {})
                for i, (sites, hub) in enumerate(links)
            ],
            "products": [{"product": "p"}],
        }
    )


def adjacency(links: list[tuple[list[str], bool]]) -> set[tuple[str, str]]:
    """The site pairs a link joins directly (what the graph must be built from)."""
    pairs: set[tuple[str, str]] = set()
    for sites, hub in links:
        joined = [(sites[0], s) for s in sites[1:]] if hub else itertools.combinations(sites, 2)
        for a, b in joined:
            pairs |= {(a, b), (b, a)}
    return pairs


def distances(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """All-pairs shortest hop counts (Floyd–Warshall), the reference for the BFS."""
    far = len(SITES) + 1
    dist = {(a, b): 0 if a == b else (1 if (a, b) in pairs else far) for a in SITES for b in SITES}
    for k, i, j in itertools.product(SITES, SITES, SITES):
        dist[i, j] = min(dist[i, j], dist[i, k] + dist[k, j])
    return {key: value for key, value in dist.items() if value < far}


@given(st.lists(link, max_size=4))
def test_routes_are_shortest_paths_over_the_links(links: list[tuple[list[str], bool]]) -> None:
    graph = SiteGraph.of(deployment_with(links))
    pairs = adjacency(links)
    reference = distances(pairs)
    for a, b in itertools.product(SITES, SITES):
        if (a, b) not in reference:
            with pytest.raises(NoRoute):
                graph.route(a, b)
            continue
        route = graph.route(a, b)
        assert (route[0], route[-1]) == (a, b)
        assert len(route) - 1 == reference[a, b]
        assert all((x, y) in pairs for x, y in itertools.pairwise(route))
        assert graph.route(a, b) == route  # stable


def test_hub_and_spoke_never_joins_two_spokes() -> None:
    graph = SiteGraph.of(deployment_with([(["s0", "s1", "s2"], True)]))
    assert graph.route("s1", "s2") == ("s1", "s0", "s2")
    mesh = SiteGraph.of(deployment_with([(["s0", "s1", "s2"], False)]))
    assert mesh.route("s1", "s2") == ("s1", "s2")
