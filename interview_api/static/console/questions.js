// Questions: generate from a job description, review each question, approve the set.
import { may, notAllowed, questionApi, reviewerField, query } from "./api.js";
import { announce, announceNext, clear, errorBox, h, setLabel, statusBadge, when } from "./dom.js";

export function questionsScreen(setId) {
  return async (view) => {
    const detail = h("section", { "aria-label": "Question set" });
    const list = h("section", { class: "card", "aria-labelledby": "sets-title" });
    view.append(h("h2", {}, "Questions"), h("div", { class: "grid2" }, h("div", {}, may("questions") ? generateForm() : h("p", { class: "card note", role: "note" }, notAllowed("questions")), detail), list));
    await renderSets(list);
    if (setId) await renderSet(detail, setId, () => renderSets(list));
  };
}

function generateForm() {
  const description = h("textarea", { id: "job-description", required: true, rows: 7, minlength: 20,
    placeholder: "Paste the job description: the role, the stack, the duties…" });
  const role = h("input", { id: "role-title", placeholder: "e.g. Backend engineer" });
  const seniority = h("select", { id: "seniority" }, h("option", { value: "" }, "any"),
    ["junior", "mid", "senior", "lead"].map((s) => h("option", { value: s }, s)));
  const button = h("button", { type: "submit" }, "Generate questions");
  const status = h("p", { class: "muted" });
  const form = h("form", { class: "card", "aria-labelledby": "generate-title" },
    h("h3", { id: "generate-title" }, "New question set"),
    h("label", { for: "job-description" }, "Job description", description),
    h("div", { class: "row" }, h("label", {}, "Role title", role), h("label", {}, "Seniority", seniority)),
    button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "Generating…";
    try {
      const body = { job_description: description.value };
      if (role.value.trim()) body.role_title = role.value.trim();
      if (seniority.value) body.seniority = seniority.value;
      const made = await questionApi("/generate", { method: "POST", body });
      status.textContent = "";
      announceNext(`Five questions generated (${made.provider}, ${made.model}). Review them below.`);
      location.hash = `#/questions/${made.question_set_id}`;
    } catch (error) {
      clear(status, errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

async function renderSets(list) {
  const page = await questionApi("/question-sets" + query({ limit: 20 }));
  clear(list, h("h3", { id: "sets-title" }, "Question sets"),
    page.items.length ? h("ul", {}, page.items.map((set) => h("li", {},
      h("a", { href: `#/questions/${set.question_set_id}` }, setLabel(set)), " ", statusBadge(set.status))))
      : h("p", { class: "muted" }, "No question set yet: generate one."));
}

async function renderSet(detail, setId, refreshList) {
  const set = await questionApi(`/question-sets/${encodeURIComponent(setId)}`);
  const reload = () => Promise.all([renderSet(detail, setId, refreshList), refreshList()])
    .catch((e) => announce(e.message, "error"));
  const approveSet = h("button", { type: "button", onclick: async () => {
    try {
      await questionApi(`/question-sets/${setId}/approve`, { method: "POST", body: reviewerField() });
      announce("The set is approved: its approved questions can be used in invitations.");
      await reload();
    } catch (error) { announce(error.message, "error"); }
  } }, "Approve set");
  const history = h("details", { id: "history" }, h("summary", {}, "Review history"));
  history.addEventListener("toggle", async () => {
    if (!history.open) return;
    const events = await questionApi(`/question-sets/${setId}/history`);
    clear(history, h("summary", {}, "Review history"), h("table", {},
      h("thead", {}, h("tr", {}, ["When", "Who", "What", "Question", "Change"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, events.items.map((e) => h("tr", {}, h("td", {}, when(e.created_at)), h("td", {}, e.reviewer || "—"),
        h("td", {}, e.action.replace("_", " ")), h("td", {}, positionOf(set, e.question_id)),
        h("td", {}, e.field ? `${e.field}: ${short(e.old_value)} → ${short(e.new_value)}` : "—"))))));
  });
  clear(detail, h("div", { class: "card" },
    h("div", { class: "row" }, h("h3", {}, setLabel(set)), statusBadge(set.status),
      h("span", { class: "advisory" }, `Written by ${set.provider} (${set.model}): review every question.`)),
    set.notice ? h("p", { class: "muted" }, set.notice) : null,
    set.warnings?.length ? h("ul", { class: "error" }, set.warnings.map((w) => h("li", {}, w))) : null,
    set.questions.map((q) => questionBlock(setId, q, reload)),
    h("div", { class: "row" }, may("questions") ? approveSet : null, may("invite") ? h("a", { href: "#/invitations" }, "Invite candidates") : null),
    may("questions") ? complianceForm(setId, set.compliance || {}, reload) : null,
    history));
}

/** The set's notice, retention, analysis policy and bias audit; an empty field: the global setting. */
function complianceForm(setId, compliance, reload) {
  const notice = compliance.notice || { version: "", text: "" };
  const version = h("input", { id: "notice-version", value: notice.version, maxlength: 64,
    placeholder: "global NOTICE_VERSION", autocomplete: "off" });
  const text = h("textarea", { id: "notice-text", rows: 4, placeholder: "global NOTICE_TEXT" }, notice.text);
  const days = h("input", { id: "retention-days", type: "number", min: 1, max: 3650, step: 1,
    value: compliance.retention_days ?? "", placeholder: "global RETENTION_DAYS" });
  const policy = h("select", { id: "analysis-policy" },
    [["", "global ANALYSIS_POLICY"], ["standard", "standard"], ["eu", "eu: no emotion inference"]].map(([value, label]) =>
      h("option", { value, selected: (compliance.analysis_policy ?? "") === value }, label)));
  const bias = h("input", { id: "bias-audit", type: "checkbox", checked: Boolean(compliance.bias_audit) });
  const status = h("div");
  const button = h("button", { type: "submit" }, "Save compliance settings");
  const form = h("form", { class: "compliance", "aria-labelledby": "compliance-title" },
    h("h4", { id: "compliance-title" }, "Compliance"),
    h("p", { class: "muted" }, "For this set's interviews from now on; an empty field uses the global setting. "
      + "A notice version always keeps its words: give new words a new version."),
    h("div", { class: "row" }, h("label", { for: "notice-version" }, "Notice version", version),
      h("label", { for: "retention-days" }, "Retention days", days),
      h("label", { for: "analysis-policy" }, "Analysis policy", policy)),
    h("label", { for: "notice-text" }, "Notice text", text),
    h("label", { for: "bias-audit", class: "inline" }, bias, "Bias audit: ask candidates the self-declared survey"),
    h("div", { class: "row" }, button), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      // both empty: the global notice; one of them empty: the API says which is missing
      notice: version.value.trim() || text.value.trim() ? { version: version.value.trim(), text: text.value } : null,
      retention_days: days.value === "" ? null : Number(days.value),
      analysis_policy: policy.value || null,
      bias_audit: bias.checked,
    };
    button.disabled = true;
    try {
      await questionApi(`/question-sets/${encodeURIComponent(setId)}/compliance`, { method: "PUT", body });
      announce("Compliance settings saved: new interviews of this set use them.");
      await reload();
    } catch (error) {
      clear(status, errorBox(error));
      button.disabled = false;
    }
  });
  return form;
}

function positionOf(set, questionId) {
  const q = set.questions.find((item) => item.id === questionId);
  return q ? `Q${q.position}` : "—";
}

function short(value) {
  if (value === null || value === undefined) return "—";
  return value.length > 60 ? value.slice(0, 57) + "…" : value;
}

function questionBlock(setId, q, reload) {
  const text = h("textarea", { rows: 3, "aria-label": `Text of question ${q.position}`, readonly: !may("questions") }, q.text);
  const patch = async (body, message) => {
    try {
      await questionApi(`/question-sets/${setId}/questions/${q.id}`, { method: "PATCH", body: { ...body, ...reviewerField() } });
      announce(message);
      await reload();
    } catch (error) { announce(error.message, "error"); }
  };
  return h("article", { class: "question", "aria-label": `Question ${q.position}` },
    h("div", { class: "meta" }, h("strong", {}, `Q${q.position}`), h("span", { class: "badge" }, q.type),
      h("span", { class: "badge" }, q.subtype), q.competency ? h("span", { class: "badge" }, q.competency) : null, statusBadge(q.status)),
    text,
    q.expected_points?.length ? h("div", {}, h("span", { class: "muted" }, "A strong answer covers:"),
      h("ul", { class: "points" }, q.expected_points.map((p) => h("li", {}, p)))) : null,
    may("questions") && h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", "aria-label": `Save text of question ${q.position}`,
        onclick: () => patch({ text: text.value }, `Question ${q.position} saved.`) }, "Save text"),
      h("button", { type: "button", "aria-label": `Approve question ${q.position}`,
        onclick: () => patch({ status: "approved" }, `Question ${q.position} approved.`) }, "Approve"),
      h("button", { type: "button", class: "danger", "aria-label": `Reject question ${q.position}`,
        onclick: () => patch({ status: "rejected" }, `Question ${q.position} rejected.`) }, "Reject"),
      h("button", { type: "button", class: "secondary", "aria-label": `Regenerate question ${q.position}`,
        onclick: async (event) => {
          event.target.disabled = true;
          try {
            await questionApi(`/question-sets/${setId}/questions/${q.id}/regenerate`, { method: "POST", body: reviewerField() });
            announce(`Question ${q.position} rewritten on another topic; review it.`);
            await reload();
          } catch (error) { announce(error.message, "error"); event.target.disabled = false; }
        } }, "Regenerate")));
}
