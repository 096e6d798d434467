// The redact workbench: the document as marked, the policy's proposal, the reviewer's changes.
// Document text is only ever put into the page as text (textContent), never as markup.
"use strict";

const token = document.querySelector('meta[name="redact-token"]').content;
let state = null;
let current = 0; // the focused item's position in state.items
let previewVersion = 0;

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function call(path, body) {
  const options = body === undefined
    ? { headers: { "X-Redact-Token": token } }
    : { method: "POST", headers: { "X-Redact-Token": token, "Content-Type": "application/json" },
        body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

function say(text, kind = "info") {
  const message = $("message");
  message.textContent = text;
  message.className = kind;
}

// --- rendering -------------------------------------------------------------------------------

function decisionText(decision) {
  if (decision.action === "withhold") return `withhold ${decision.label || ""}`.trim();
  return decision.spans.length ? `release, ${decision.spans.length} span(s) withheld` : "release";
}

function textWithSpans(item) {
  // The item's text with the spans withheld in the current decision shown struck and labelled.
  const box = element("p", { class: "text", "data-role": "text" });
  let position = 0;
  for (const span of item.decision.spans) {
    if (span.start > position) box.append(document.createTextNode(item.text.slice(position, span.start)));
    // The label is drawn by the stylesheet (::after), so it is no part of the text a selection counts.
    box.append(element("mark", { class: "span", title: `withheld: ${span.label}`, "data-label": span.label,
                                 text: item.text.slice(span.start, span.end) }));
    position = span.end;
  }
  box.append(document.createTextNode(item.text.slice(position)));
  return box;
}

function labelPicker(item, id) {
  const select = element("select", { id, "aria-label": "Exemption label", "data-role": "label" });
  const chosen = (item.override && item.override.label) || item.decision.label || item.proposed.label || "(b)(6)";
  for (const label of state.labels) {
    select.append(element("option", { value: label, selected: label === chosen ? "selected" : null, text: label }));
  }
  return select;
}

function card(item, position) {
  const id = item.key.replace(":", "-");
  const level = item.level || "none";
  const node = element("article", {
    class: `item level-${level} ${item.decision.action}${item.override ? " changed" : ""}`,
    id: `item-${id}`, tabindex: "-1", "data-key": item.key, "data-position": position,
    "aria-label": `${item.name}, ${item.level_name}, ${decisionText(item.decision)}`,
  });
  const marking = element("span", { class: `marking level-${level}`, text: item.marking || "unmarked" });
  const head = element("div", { class: "item-head" },
    element("span", { class: "name", text: item.name }), marking,
    element("span", { class: `decision ${item.decision.action}`, "data-role": "decision",
                      text: decisionText(item.decision) }));
  const proposed = element("p", { class: "proposed" },
    element("span", { text: `Proposed: ${decisionText(item.proposed)}` }),
    element("span", { class: "rule", text: ` by ${item.proposed.rule} (${item.proposed.source.split("/").pop()})` }));
  node.append(head, proposed, textWithSpans(item));
  for (const echo of item.echoes || []) {
    node.append(element("p", { class: "echo", role: "note",
      text: `Echo: repeats ${echo.runs} run(s) of the withheld ${echo.repeats}; consider withholding them.` }));
  }
  if (item.override) {
    const o = item.override;
    const note = `Changed by the reviewer: ${o.action}${o.label ? " " + o.label : ""}` +
      `${o.declassify ? ", declassified under " + o.authority : ""}. Justification: ${o.justification}`;
    node.append(element("p", { class: "override", text: note }));
  }
  const form = element("div", { class: "controls", role: "group", "aria-label": `Decide ${item.name}` });
  const justification = element("textarea", { id: `why-${id}`, rows: "2", "data-role": "why",
    placeholder: "Justification (required for every change)", "aria-label": "Justification" });
  const declassify = element("label", { class: "declassify" },
    element("input", { type: "checkbox", "data-role": "declassify" }), document.createTextNode(" declassify, authority: "),
    element("input", { type: "text", "data-role": "authority", placeholder: "e.g. E.O. 13526 sec. 3.1" }));
  if (!item.declassifies) declassify.hidden = true;
  // In keyboard order: w focuses the label, Tab the justification, Enter applies.
  form.append(...[
    labelPicker(item, `label-${id}`), justification, declassify,
    element("button", { type: "button", "data-role": "release", text: "Release" }),
    element("button", { type: "button", "data-role": "withhold", text: "Withhold" }),
    element("button", { type: "button", "data-role": "span", text: "Withhold selected words",
                        title: "Select words in the text above, then press (x)" }),
    item.override ? element("button", { type: "button", "data-role": "clear", text: "Undo change" }) : null,
  ].filter(Boolean));
  node.append(form);
  return node;
}

function render() {
  const list = $("document");
  list.replaceChildren(...state.items.map(card));
  $("status").textContent = state.status;
  $("status").className = "status-" + state.status.split(" ").pop().toLowerCase();
  const counts = Object.entries(state.counts).map(([label, n]) => `${label} x${n}`).join(", ");
  $("counts").textContent = counts ? `withheld: ${counts}` : "nothing withheld";
  $("dirty").hidden = !state.dirty;
  if (state.pending.length) say(state.pending.join(" "), "warning");
  focusItem(Math.min(current, state.items.length - 1), false);
  previewVersion += 1;
  $("preview").src = `/preview?token=${encodeURIComponent(token)}&v=${previewVersion}`;
}

function focusItem(position, scroll = true) {
  current = Math.max(0, Math.min(position, state.items.length - 1));
  document.querySelectorAll("article.item.focused").forEach((n) => n.classList.remove("focused"));
  const node = document.querySelector(`article.item[data-position="${current}"]`);
  if (!node) return;
  node.classList.add("focused");
  node.focus({ preventScroll: !scroll });
  if (scroll) node.scrollIntoView({ block: "nearest" });
}

// --- changes -----------------------------------------------------------------------------------

function itemOf(node) {
  const article = node.closest("article.item");
  return article ? [article, state.items[Number(article.dataset.position)]] : [null, null];
}

async function change(path, body, done) {
  try {
    state = await call(path, body);
    render();
    say(done, "ok");
  } catch (error) {
    say(error.message, "error");
  }
}

function decide(article, item, action) {
  const why = article.querySelector('[data-role="why"]').value;
  if (!why.trim()) {
    say("A justification is required for every change: write it in the box, then press Enter.", "error");
    article.querySelector('[data-role="why"]').focus();
    article.dataset.pending = action;
    return;
  }
  change("/api/decision", {
    target: item.target, index: item.index, action, justification: why,
    label: article.querySelector('[data-role="label"]').value,
    declassify: article.querySelector('[data-role="declassify"]').checked,
    authority: article.querySelector('[data-role="authority"]').value,
  }, `${item.name}: ${action === "release" ? "released" : "withheld"}`);
}

function selectionIn(article, item) {
  // The selected stretch as offsets into the item's text (spans shown inside it count too).
  const selection = window.getSelection();
  const box = article.querySelector('[data-role="text"]');
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return null;
  const offset = (container, within) => {
    const before = document.createRange();
    before.setStart(box, 0);
    before.setEnd(container, within);
    return before.toString().length;
  };
  let start = offset(range.startContainer, range.startOffset);
  let end = offset(range.endContainer, range.endOffset);
  while (start < end && /\s/.test(item.text[start])) start += 1;
  while (end > start && /\s/.test(item.text[end - 1])) end -= 1;
  return end > start ? { start, end } : null;
}

function withholdSelection(article, item) {
  const selected = selectionIn(article, item);
  if (!selected) {
    say("Select the words to withhold in the item's text first.", "error");
    return;
  }
  const why = article.querySelector('[data-role="why"]').value;
  if (!why.trim()) {
    say("A justification is required for every change: write it in the box first.", "error");
    article.querySelector('[data-role="why"]').focus();
    return;
  }
  change("/api/span", { target: item.target, index: item.index, start: selected.start, end: selected.end,
                        label: article.querySelector('[data-role="label"]').value, justification: why },
         `${item.name}: ${selected.end - selected.start} characters withheld`);
}

async function save() {
  try {
    state = await call("/api/save", {});
    render();
    say(`Saved ${state.saved}.`, "ok");
  } catch (error) {
    say(error.message, "error");
  }
}

async function exportCopy() {
  say("Exporting: render, verify, audit ...", "info");
  try {
    state = await call("/api/export", {});
    render();
    const done = state.exported;
    say(`Exported: ${done.status}. ${done.outputs.join(", ")}; audit log ${done.audit} (head ${done.head.slice(0, 16)}).`, "ok");
  } catch (error) {
    say(`Export refused: ${error.message}`, "error");
  }
}

// --- events ------------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const [article, item] = itemOf(event.target);
  if (!item) return;
  if (Number(article.dataset.position) !== current || !article.classList.contains("focused")) {
    current = Number(article.dataset.position);
    document.querySelectorAll("article.item.focused").forEach((n) => n.classList.remove("focused"));
    article.classList.add("focused");
  }
  const role = event.target.dataset && event.target.dataset.role;
  if (!role) return;
  if (role === "release" || role === "withhold") decide(article, item, role);
  else if (role === "span") withholdSelection(article, item);
  else if (role === "clear") change("/api/clear", { target: item.target, index: item.index }, `${item.name}: change undone`);
});

document.addEventListener("mousedown", (event) => {
  if (event.target.dataset && event.target.dataset.role === "span") event.preventDefault(); // keep the selection
});

document.addEventListener("keydown", (event) => {
  const typing = event.target.matches("textarea, input, select");
  if (event.key === "s" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    save();
    return;
  }
  if (typing) {
    const [article, item] = itemOf(event.target);
    if (event.key === "Escape" && article) {
      event.preventDefault();
      article.focus();
    } else if (event.key === "Enter" && !event.shiftKey && event.target.matches("textarea") && article) {
      event.preventDefault();
      decide(article, item, article.dataset.pending || (item.decision.action === "release" ? "withhold" : "release"));
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || !state) return;
  const [article, item] = [document.querySelector(`article.item[data-position="${current}"]`), state.items[current]];
  const keys = {
    j: () => focusItem(current + 1), ArrowDown: () => focusItem(current + 1),
    k: () => focusItem(current - 1), ArrowUp: () => focusItem(current - 1),
    r: () => { article.dataset.pending = "release"; article.querySelector('[data-role="why"]').focus();
               say(`Release ${item.name}: write the justification, then Enter.`); },
    w: () => { article.dataset.pending = "withhold"; article.querySelector('[data-role="label"]').focus();
               say(`Withhold ${item.name}: choose the label, Tab to the justification, then Enter.`); },
    x: () => withholdSelection(article, item),
    u: () => item.override && change("/api/clear", { target: item.target, index: item.index }, `${item.name}: change undone`),
    s: save, e: exportCopy,
  };
  if (keys[event.key]) {
    event.preventDefault();
    keys[event.key]();
  }
});

window.addEventListener("beforeunload", (event) => {
  if (state && state.dirty) event.preventDefault();
});

$("save").addEventListener("click", save);
$("export").addEventListener("click", exportCopy);

call("/api/state").then((answer) => {
  state = answer;
  render();
  say(`${state.items.length} items under ${state.policy.name}; reviewer ${state.reviewer}.`);
}).catch((error) => say(error.message, "error"));
