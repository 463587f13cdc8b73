// Catalog search as you type: the server searches (same as GET /catalog?q=), the table follows.
"use strict";
(() => {
  const { getJSON, element, debounce } = window.portplan;
  const input = document.getElementById("catalog-query");
  const body = document.querySelector("#catalog-table tbody");
  const count = document.getElementById("catalog-count");

  async function search() {
    const query = input.value;
    const data = await getJSON("/api/catalog?q=" + encodeURIComponent(query));
    if (input.value !== query) return; // a newer search is on its way
    body.replaceChildren(...data.products.map((p) => element("tr", {},
      element("td", {}, element("a", { href: "/catalog/" + encodeURIComponent(p.id), text: p.id })),
      element("td", { text: p.name }), element("td", { text: p.vendor }),
      element("td", { text: p.version }), element("td", { class: "num", text: String(p.roles) }),
      element("td", { class: "num", text: String(p.flows) }),
      element("td", { class: "muted", text: p.origin }))));
    count.textContent = `${data.products.length} product(s)` + (query ? ` match “${query}”.` : ".");
    history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : "/catalog");
  }
  input.addEventListener("input", debounce(search, 150));
})();
