// Interviews: filter by question set, status and candidate; analysis progress refreshes itself.
import { interviewApi, questionApi, query } from "./api.js";
import { clear, errorBox, h, setLabel, statusBadge, when } from "./dom.js";

const RUNNING = new Set(["queued", "running"]);

export function interviewsScreen() {
  return async (view) => {
    const sets = (await questionApi("/question-sets" + query({ limit: 100 }))).items;
    const setFilter = h("select", { id: "filter-set" }, h("option", { value: "" }, "every set"),
      sets.map((s) => h("option", { value: s.question_set_id }, setLabel(s))));
    const statusFilter = h("select", { id: "filter-status" }, h("option", { value: "" }, "any"),
      h("option", { value: "active" }, "active"), h("option", { value: "ended" }, "ended"));
    const candidate = h("input", { id: "filter-candidate", type: "search", placeholder: "name or candidate id" });
    const table = h("section", { class: "card", "aria-live": "polite", "aria-busy": "false" });
    let timer = null;
    const refresh = async () => {
      clearTimeout(timer);
      try {
        const busy = await renderTable(table, { set: setFilter.value, status: statusFilter.value, candidate: candidate.value.trim() });
        if (busy) timer = setTimeout(refresh, 2000); // only while an analysis is still running
      } catch (error) { clear(table, errorBox(error)); }
    };
    for (const el of [setFilter, statusFilter]) el.addEventListener("change", refresh);
    candidate.addEventListener("input", refresh);
    view.append(h("h2", {}, "Interviews"),
      h("form", { class: "card row", role: "search", onsubmit: (e) => { e.preventDefault(); refresh(); } },
        h("label", {}, "Question set", setFilter), h("label", {}, "Status", statusFilter), h("label", {}, "Candidate", candidate)),
      table);
    await refresh();
    return () => clearTimeout(timer);
  };
}

async function renderTable(table, { set, status, candidate }) {
  const [page, invitations] = await Promise.all([
    interviewApi("/interviews" + query({ question_set_id: set, status, limit: 100 })),
    interviewApi("/invitations" + query({ question_set_id: set, limit: 200 })),
  ]);
  const names = Object.fromEntries(invitations.items.map((i) => [i.interview_id, i.candidate.name]));
  const needle = candidate.toLowerCase();
  const rows = page.items.filter((i) => !needle
    || (names[i.interview_id] || "").toLowerCase().includes(needle) || (i.candidate_id || "").toLowerCase().includes(needle));
  let busy = false;
  clear(table, h("table", {},
    h("thead", {}, h("tr", {}, ["Candidate", "Started", "Status", "Answers and their analysis", ""].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((interview) => {
      busy ||= interview.recordings.some((r) => RUNNING.has(r.status));
      const label = names[interview.interview_id] || interview.candidate_id || interview.interview_id.slice(0, 8);
      return h("tr", { dataset: { interview: interview.interview_id } },
        h("td", {}, label), h("td", {}, when(interview.started_at)), h("td", {}, statusBadge(interview.status)),
        h("td", { class: "analysis-progress" }, interview.recordings.length
          ? interview.recordings.map((r, i) => h("span", {}, `A${i + 1} `, statusBadge(r.status), " "))
          : h("span", { class: "muted" }, "no answer yet")),
        h("td", {}, h("a", { href: `#/interviews/${interview.interview_id}`, "aria-label": `Open interview of ${label}` }, "Open")));
    }))),
    rows.length ? null : h("p", { class: "muted" }, "No interview matches."));
  return busy;
}
