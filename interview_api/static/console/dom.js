// Small DOM helpers: elements are built with textContent, never innerHTML, so nothing a
// candidate or a model wrote can run as markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function seconds(value) {
  if (value === null || value === undefined) return "—";
  const total = Math.max(0, value);
  const m = Math.floor(total / 60);
  const s = (total - m * 60).toFixed(1).padStart(4, "0");
  return `${m}:${s}`;
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, String(status).replace("_", " "));
}

/** A message in the page's live region, read out by screen readers. */
export function announce(text, kind = "info") {
  const region = document.getElementById("announce");
  region.className = `announce ${kind}`;
  region.textContent = text;
}

export function errorBox(error) {
  return h("p", { class: "error", role: "alert" }, error.message || String(error),
    error.code ? h("code", {}, ` (${error.code})`) : null);
}

/** A question set as people name it: its role title, else the start of its job description. */
export function setLabel(set) {
  const name = set.role_title || (set.job_description || "").split(/[.:;\n]/)[0].slice(0, 50) || "Question set";
  return `${name} · ${when(set.created_at)}`;
}

let pending = "";

/** A message to announce once the next screen is shown (a navigation clears the last one). */
export function announceNext(text) {
  pending = text;
}

export function screenChanged() {
  announce(pending);
  pending = "";
}
