// Compare: a question set's candidates by questions; people's ratings first, AI advisory.
import { interviewApi, questionApi, query } from "./api.js";
import { announce, clear, errorBox, h, setLabel, statusBadge, when } from "./dom.js";

export function compareScreen(setId) {
  return async (view) => {
    const sets = (await questionApi("/question-sets" + query({ limit: 100 }))).items;
    const picker = h("select", { id: "compare-set" }, sets.map((s) =>
      h("option", { value: s.question_set_id, selected: s.question_set_id === setId }, setLabel(s))));
    picker.addEventListener("change", () => { location.hash = `#/compare/${picker.value}`; });
    const body = h("section", { class: "card" });
    const exportButton = h("button", { type: "button", onclick: () => exportCsv(picker.value) }, "Export CSV");
    view.append(h("h2", {}, "Compare candidates"),
      h("div", { class: "card row" }, h("label", {}, "Question set", picker), exportButton), body);
    if (!picker.value) { clear(body, h("p", { class: "muted" }, "No question set yet.")); return; }
    const table = await interviewApi(`/question-sets/${encodeURIComponent(picker.value)}/comparison`);
    renderTable(body, table, { key: "mean_rating", descending: true });
  };
}

const COLUMNS = (table) => [
  { key: "candidate", label: "Candidate", value: (r) => r.candidate || r.interview_id.slice(0, 8) },
  { key: "mean_rating", label: "Mean rating (people, 1-5)", value: (r) => r.mean_rating },
  { key: "decision", label: "Decision (a person's)", value: (r) => r.decision },
  ...table.questions.map((q) => ({ key: `q${q.position}`, label: `Q${q.position} rating`, title: q.text,
    value: (r) => r.answers[q.id]?.mean_rating })),
  ...table.questions.map((q) => ({ key: `ai${q.position}`, label: `Q${q.position} AI relevance`, title: "Twelve Labs, relevance to the question, 1-10 (advisory)",
    value: (r) => r.answers[q.id]?.ai.twelvelabs_relevance, advisory: true })),
  ...table.questions.map((q) => ({ key: `ih${q.position}`, label: `Q${q.position} AI quality`, title: "Interhuman, conversation quality index, 0-100 (advisory)",
    value: (r) => r.answers[q.id]?.ai.interhuman_quality_index, advisory: true })),
];

function renderTable(body, table, sort) {
  const columns = COLUMNS(table);
  const column = columns.find((c) => c.key === sort.key) || columns[1];
  const rows = [...table.candidates].sort((a, b) => {
    const x = column.value(a), y = column.value(b);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * (sort.descending ? -1 : 1);
  });
  const header = (c) => {
    const active = c.key === column.key;
    return h("th", { scope: "col", class: c.advisory ? "advisory" : null, title: c.title,
      "aria-sort": active ? (sort.descending ? "descending" : "ascending") : "none" },
      h("button", { type: "button", onclick: () => renderTable(body, table, { key: c.key, descending: active ? !sort.descending : true }) },
        c.label, active ? (sort.descending ? " ▼" : " ▲") : ""));
  };
  clear(body, h("p", { class: "advisory" }, "People's ratings (1-5) and decisions come first. The AI columns, in italics, are "
    + "advisory machine estimates, never a decision: AI relevance from Twelve Labs (1-10), AI quality from Interhuman (0-100)."),
    h("div", { style: "overflow-x:auto" }, h("table", { id: "comparison" },
      h("thead", {}, h("tr", {}, columns.map(header))),
      h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c, i) => {
        const v = c.value(r);
        if (i === 0) return h("th", { scope: "row" }, h("a", { href: `#/interviews/${r.interview_id}` }, v));
        if (c.key === "decision") return h("td", {}, v ? statusBadge(v) : "—");
        return h("td", { class: c.advisory ? "advisory" : null }, v ?? "—");
    })))))),
    table.candidates.length ? null : h("p", { class: "muted" }, "Nobody has taken this set yet."));
}

async function exportCsv(setId) {
  try {
    const response = await interviewApi(`/question-sets/${encodeURIComponent(setId)}/comparison?format=csv`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: `comparison_${setId}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce("Comparison exported as CSV.");
  } catch (error) { announce(error.message, "error"); }
}
