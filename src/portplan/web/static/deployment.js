// The deployment page: the port matrix one page at a time (search, column filters, sort —
// all done by the server, so 100,000 rows browse like ten), and the lab with live progress.
"use strict";
(() => {
  const { getJSON, postJSON, element, debounce } = window.portplan;
  const data = JSON.parse(document.getElementById("deployment-data").textContent);
  const PAGE = 100;
  const state = { offset: 0, sort: null, order: "asc", matched: data.matched };
  const body = document.querySelector("#matrix-table tbody");
  const count = document.getElementById("matrix-count");
  const search = document.getElementById("matrix-search");
  let asked = 0;

  function query() {
    const params = new URLSearchParams({ offset: state.offset, limit: PAGE, order: state.order });
    if (search.value.trim()) params.set("q", search.value);
    if (state.sort) params.set("sort", state.sort);
    for (const input of document.querySelectorAll("#matrix-table tr.filters input")) {
      if (input.value.trim()) params.append("filter", `${input.dataset.key}:${input.value}`);
    }
    return params;
  }

  function showCount(matched, total, shown) {
    state.matched = matched;
    const first = matched ? state.offset + 1 : 0;
    const last = state.offset + shown;
    count.textContent = `rows ${first.toLocaleString()}–${last.toLocaleString()} of ${matched.toLocaleString()}` +
      (matched !== total ? ` (filtered from ${total.toLocaleString()})` : "");
    const pages = Math.max(1, Math.ceil(matched / PAGE));
    document.getElementById("matrix-page").textContent = `page ${Math.floor(state.offset / PAGE) + 1} of ${pages}`;
    document.getElementById("matrix-prev").disabled = state.offset === 0;
    document.getElementById("matrix-next").disabled = state.offset + PAGE >= matched;
  }

  async function load() {
    const ticket = ++asked;
    const page = await getJSON(`/api/deployments/${encodeURIComponent(data.id)}/matrix?${query()}`);
    if (ticket !== asked) return; // an answer to an older question
    body.replaceChildren(...page.rows.map((row) => element("tr", {}, ...row.map((cell) => element("td", { text: cell })))));
    showCount(page.matched, page.total, page.rows.length);
  }
  const reload = debounce(() => { state.offset = 0; load(); }, 200);

  search.addEventListener("input", reload);
  for (const input of document.querySelectorAll("#matrix-table tr.filters input")) input.addEventListener("input", reload);
  for (const th of document.querySelectorAll("#matrix-table th.sortable")) {
    th.addEventListener("click", () => {
      state.order = state.sort === th.dataset.key && state.order === "asc" ? "desc" : "asc";
      state.sort = th.dataset.key;
      for (const other of document.querySelectorAll("#matrix-table th.sortable")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", state.order === "asc" ? "ascending" : "descending");
      state.offset = 0;
      load();
    });
  }
  document.getElementById("matrix-prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE); load(); });
  document.getElementById("matrix-next").addEventListener("click", () => { if (state.offset + PAGE < state.matched) { state.offset += PAGE; load(); } });
  showCount(data.matched, data.total, body.children.length);

  // ── the lab ──
  const run = document.getElementById("lab-run");
  const progress = document.getElementById("lab-progress");
  const verdict = document.getElementById("lab-verdict");
  const results = document.getElementById("lab-results");

  function showResult(result) {
    verdict.hidden = false;
    verdict.className = "verdict " + (result.mismatches ? "bad" : "good");
    verdict.textContent = `Lab ${result.deployment}: ${result.probes} probes in ${result.namespaces} namespaces, ${result.mismatches} mismatches`;
    results.hidden = false;
    results.querySelector("tbody").replaceChildren(...result.flows.map((flow) => element("tr", { class: flow.ok ? "" : "mismatch" },
      element("td", { text: flow.flow }), element("td", { text: flow.source }),
      element("td", { class: "num", text: String(flow.probes) }), element("td", { text: flow.expected }),
      element("td", { text: flow.observed }), element("td", { text: flow.ok ? "ok" : "MISMATCH" }))));
  }

  if (run && !run.disabled) {
    run.addEventListener("click", async () => {
      run.disabled = true;
      progress.hidden = false;
      progress.textContent = "";
      verdict.hidden = true;
      results.hidden = true;
      const answer = await postJSON(`/api/deployments/${encodeURIComponent(data.id)}/lab`, {});
      if (!answer.ok) {
        progress.textContent = answer.data.error;
        run.disabled = false;
        return;
      }
      const events = new EventSource(answer.data.events);
      const say = (line) => { progress.textContent += line + "\n"; progress.scrollTop = progress.scrollHeight; };
      events.addEventListener("progress", (event) => say(JSON.parse(event.data).line));
      events.addEventListener("result", (event) => { events.close(); say("done"); showResult(JSON.parse(event.data)); run.disabled = false; });
      events.addEventListener("failure", (event) => {
        events.close();
        run.disabled = false;
        const message = JSON.parse(event.data).message;
        say(message);
        verdict.hidden = false;
        verdict.className = "verdict bad";
        verdict.textContent = message;
      });
    });
  }
})();
