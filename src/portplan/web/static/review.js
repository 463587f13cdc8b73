// The review page: the document on the left, its flows as an editable grid on the right.
// Every edit of a service is checked by the server's own parser (POST /api/review/check), so
// a bad port shows the message the catalog would give; Save writes the product YAML.
"use strict";
(() => {
  const { postJSON, element, debounce } = window.portplan;
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const flows = data.flows.map((flow) => ({ ...flow }));
  const problems = new Map(); // flow object -> message
  const notes = new Map(); // flow object -> what saving will make of it
  const body = document.querySelector("#flow-grid tbody");
  const status = document.getElementById("save-status");
  const saveButton = document.getElementById("save-button");
  let current = null;

  const lineItem = (n) => document.getElementById("L" + n);
  const protocolsText = (flow) => (flow.protocols || []).join("+");
  const portsText = (flow) => (flow.ports || []).join(", ");
  const parseProtocols = (text) => text.toLowerCase().split(/[+,\s]+/).filter(Boolean);
  const parsePorts = (text) => text.split(",").map((p) => p.trim()).filter(Boolean);

  function markEvidence() {
    for (const li of document.querySelectorAll("#doc-lines li.evidence")) li.classList.remove("evidence");
    for (const flow of flows) {
      const li = lineItem(flow.evidence && flow.evidence.line);
      if (li) li.classList.add("evidence");
    }
  }

  function select(flow, scroll) {
    current = flow;
    for (const row of body.querySelectorAll("tr.current")) row.classList.remove("current");
    for (const li of document.querySelectorAll("#doc-lines li.current")) li.classList.remove("current");
    const row = body.querySelector(`tr[data-index="${flows.indexOf(flow)}"]`);
    if (row) row.classList.add("current");
    const li = lineItem(flow.evidence && flow.evidence.line);
    if (li) {
      li.classList.add("current");
      if (scroll) li.scrollIntoView({ block: "center" });
    }
  }

  const check = new Map();
  function scheduleCheck(flow) {
    if (!check.has(flow)) {
      check.set(flow, debounce(async () => {
        const answer = await postJSON("/api/review/check", flow);
        if (answer.data.error) problems.set(flow, answer.data.error);
        else problems.delete(flow);
        if (answer.data.note) notes.set(flow, answer.data.note);
        else notes.delete(flow);
        showProblem(flow);
      }, 150));
    }
    check.get(flow)();
  }

  function showProblem(flow) {
    const row = body.querySelector(`tr[data-index="${flows.indexOf(flow)}"]`);
    if (row) {
      const message = problems.get(flow) || "";
      row.querySelector(".problem").textContent = message;
      row.querySelector(".note").textContent = message ? "" : notes.get(flow) || "";
      for (const input of row.querySelectorAll("input.service")) input.classList.toggle("bad", !!message);
      row.classList.toggle("has-problem", !!message);
    }
    const count = problems.size;
    if (saveButton) saveButton.disabled = count > 0;
    status.textContent = count ? `${count} flow(s) have errors — fix them to save.` : "";
    status.className = count ? "status error" : "status";
  }

  function endpointCell(flow, side) {
    const input = element("input", { class: "endpoint " + side, value: flow[side] || "", "aria-label": side === "src" ? "source" : "destination" });
    input.addEventListener("input", () => { flow[side] = input.value; renderEndpoints(); });
    const why = flow.evidence && flow.evidence[side + "_from"];
    return element("td", {}, input, why ? element("div", { class: "why", text: "from " + why }) : null);
  }

  function row(flow, index) {
    const line = flow.evidence && flow.evidence.line;
    const jump = element("button", { type: "button", class: "jump", text: line ? String(line) : "–", title: "show in the document" });
    jump.addEventListener("click", () => select(flow, true));
    const protocols = element("input", { class: "service protocols", value: protocolsText(flow), "aria-label": "protocols" });
    const ports = element("input", { class: "service ports", value: portsText(flow), "aria-label": "ports" });
    protocols.addEventListener("input", () => { flow.protocols = parseProtocols(protocols.value); scheduleCheck(flow); });
    ports.addEventListener("input", () => { flow.ports = parsePorts(ports.value); scheduleCheck(flow); });
    const purpose = element("input", { class: "purpose", value: flow.purpose || "", "aria-label": "purpose" });
    purpose.addEventListener("input", () => { flow.purpose = purpose.value; });
    const optional = element("input", { type: "checkbox", class: "optional", checked: !!flow.optional, "aria-label": "optional" });
    optional.addEventListener("change", () => { flow.optional = optional.checked; });
    const configurable = element("input", { type: "checkbox", class: "configurable", checked: !!flow.configurable, "aria-label": "configurable" });
    configurable.addEventListener("change", () => { flow.configurable = configurable.checked; scheduleCheck(flow); });
    const remove = element("button", { type: "button", class: "remove", text: "✕", title: "remove this flow" });
    remove.addEventListener("click", () => { flows.splice(flows.indexOf(flow), 1); problems.delete(flow); notes.delete(flow); render(); showProblem(flow); });
    const tr = element("tr", { "data-index": String(index) },
      element("td", {}, jump),
      endpointCell(flow, "src"), endpointCell(flow, "dst"),
      element("td", {}, protocols),
      element("td", {}, ports, element("div", { class: "problem", role: "alert" }), element("div", { class: "note" })),
      element("td", {}, purpose),
      element("td", {}, optional), element("td", {}, configurable),
      element("td", {}, remove));
    tr.addEventListener("focusin", () => select(flow, false));
    return tr;
  }

  function renderEndpoints() {
    const counts = new Map();
    for (const flow of flows) for (const name of [flow.src, flow.dst]) counts.set(name, (counts.get(name) || 0) + 1);
    const list = document.getElementById("endpoint-list");
    list.replaceChildren(...[...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([name, n]) => {
      const input = element("input", { value: name, class: "rename", "aria-label": "new name for " + name, "data-name": name });
      const button = element("button", { type: "button", text: "Rename", class: "rename-button" });
      button.addEventListener("click", () => rename(name, input.value));
      input.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); rename(name, input.value); } });
      return element("li", {}, element("span", { class: "name", text: name || "(blank)" }), element("span", { class: "muted", text: ` ×${n} ` }), input, button);
    }));
  }

  function rename(from, to) {
    for (const flow of flows) {
      if (flow.src === from) flow.src = to;
      if (flow.dst === from) flow.dst = to;
    }
    render();
  }

  function render() {
    body.replaceChildren(...flows.map(row));
    for (const flow of new Set([...problems.keys(), ...notes.keys()])) showProblem(flow);
    renderEndpoints();
    markEvidence();
    document.getElementById("flow-count").textContent = `${flows.length} flow(s)`;
    if (current && flows.includes(current)) select(current, false);
  }

  function addFlow(line, text) {
    const flow = {
      src: "", dst: "", protocols: ["tcp"], ports: [], purpose: (text || "").trim().slice(0, 200),
      optional: false, configurable: false,
      evidence: { file: data.file, line: line || 1, text: text || "" },
    };
    flows.push(flow);
    render();
    select(flow, false);
    scheduleCheck(flow);
    const tr = body.querySelector(`tr[data-index="${flows.length - 1}"]`);
    tr.scrollIntoView({ block: "center" });
    tr.querySelector("input.src").focus();
  }

  document.getElementById("doc-lines").addEventListener("click", (event) => {
    const li = event.target.closest("li.line");
    if (li && !window.getSelection().toString()) addFlow(Number(li.dataset.line), li.querySelector(".tx").textContent);
  });
  document.getElementById("add-flow").addEventListener("click", () => addFlow(current && current.evidence ? current.evidence.line : 1, ""));

  async function save(overwrite) {
    const request = {
      folder: data.folder, document: data.document, flows,
      product_id: document.getElementById("product-id").value,
      name: document.getElementById("product-name").value,
      vendor: document.getElementById("product-vendor").value,
      catalog: Number(document.getElementById("catalog-dir").value),
      filename: document.getElementById("product-file").value,
      overwrite,
    };
    status.className = "status";
    status.textContent = "Saving…";
    const answer = await postJSON("/api/review/save", request);
    if (answer.status === 409 && !overwrite) {
      if (window.confirm(answer.data.error + "\n\nReplace the file?")) return save(true);
      status.textContent = "Not saved: the file exists.";
      return;
    }
    if (!answer.ok) {
      for (const [index, message] of Object.entries(answer.data.problems || {})) problems.set(flows[Number(index)], message);
      for (const flow of problems.keys()) showProblem(flow);
      status.className = "status error";
      status.textContent = "Not saved: " + answer.data.error;
      return;
    }
    status.className = "status ok";
    status.replaceChildren(`Saved ${answer.data.flows} flows to ${answer.data.path} — `,
      element("a", { href: "/catalog/" + encodeURIComponent(answer.data.product), text: "open " + answer.data.product }));
  }
  const form = document.getElementById("product-form");
  form.addEventListener("submit", (event) => { event.preventDefault(); if (saveButton) save(false); });

  for (const [index, message] of Object.entries(data.problems || {})) problems.set(flows[Number(index)], message);
  for (const [index, message] of Object.entries(data.notes || {})) notes.set(flows[Number(index)], message);
  render();
})();
