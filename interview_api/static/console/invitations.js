// Invitations: invite candidates to an approved set, copy each link, follow statuses, revoke.
import { interviewApi, may, notAllowed, questionApi, query } from "./api.js";
import { announce, clear, errorBox, h, setLabel, statusBadge, when } from "./dom.js";

// An invitation's link is shown once, when it is made (the service keeps only a hash of its
// token): keep the links made in this tab so that they can still be copied. Any other open
// invitation gets a new link on request (POST /invitations/{id}/link), and the old one stops working.
const LINKS = "console.invitationLinks";
const links = () => JSON.parse(sessionStorage.getItem(LINKS) || "{}");
const keepLink = (id, url) => sessionStorage.setItem(LINKS, JSON.stringify({ ...links(), [id]: url }));

const OPEN = ["invited", "opened", "consented", "in_progress"];
const STATUSES = ["invited", "opened", "consented", "declined", "in_progress", "completed", "expired", "revoked"];

export function invitationsScreen() {
  return async (view) => {
    const sets = (await questionApi("/question-sets" + query({ limit: 100 }))).items;
    const approved = sets.filter((s) => s.status === "approved");
    const table = h("section", { class: "card", "aria-labelledby": "invitations-title" });
    const filter = h("select", { id: "invitation-status", "aria-label": "Filter by status" },
      h("option", { value: "" }, "every status"), STATUSES.map((s) => h("option", { value: s }, s.replace("_", " "))));
    const refresh = () => renderTable(table, filter.value, sets).catch((e) => clear(table, errorBox(e)));
    filter.addEventListener("change", refresh);
    view.append(h("h2", {}, "Invitations"), h("div", { class: "grid2" },
      h("div", {}, may("invite") ? inviteForm(approved, refresh) : h("p", { class: "card note", role: "note" }, notAllowed("invite"))), h("div", { class: "card" }, h("label", {}, "Status", filter))), table);
    await refresh();
    const timer = setInterval(refresh, 5000);
    return () => clearInterval(timer);
  };
}

function inviteForm(approved, refresh) {
  const field = (label, input) => h("label", {}, label, input);
  const set = h("select", { id: "invite-set", required: true }, approved.map((s) =>
    h("option", { value: s.question_set_id }, setLabel(s))));
  const name = h("input", { id: "invite-name", required: true, autocomplete: "off" });
  const email = h("input", { id: "invite-email", type: "email", autocomplete: "off" });
  const answer = h("input", { id: "invite-answer", type: "number", min: 10, max: 1800, value: 120 });
  const think = h("input", { id: "invite-think", type: "number", min: 0, max: 600, value: 30 });
  const retakes = h("input", { id: "invite-retakes", type: "number", min: 0, max: 5, value: 1 });
  const expires = h("input", { id: "invite-expires", type: "date" });
  const practice = h("input", { id: "invite-practice", type: "checkbox", checked: true });
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", "aria-labelledby": "invite-title" },
    h("h3", { id: "invite-title" }, "Invite a candidate"),
    approved.length ? null : h("p", { class: "error" }, "No approved question set yet: approve one under Questions."),
    field("Question set", set), field("Candidate name", name), field("Email", email),
    h("div", { class: "row" }, field("Answer time (s)", answer), field("Think time (s)", think), field("Retakes", retakes)),
    field("Expires on", expires),
    h("label", {}, practice, " Offer a practice question (never uploaded)"),
    h("button", { type: "submit", disabled: !approved.length }, "Create invitation"), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      question_set_id: set.value,
      candidate: { name: name.value.trim(), ...(email.value.trim() ? { email: email.value.trim() } : {}) },
      answer_seconds: Number(answer.value), think_seconds: Number(think.value), retakes: Number(retakes.value),
      practice: practice.checked,
    };
    if (expires.value) body.expires_at = new Date(expires.value + "T23:59:59").toISOString();
    try {
      const made = await interviewApi("/invitations", { method: "POST", body });
      keepLink(made.invitation_id, made.url);
      clear(result, h("p", {}, `Invitation for ${made.candidate.name} created. `, copyButton(made.invitation_id, made.url, made.candidate.name)),
        h("p", { class: "muted" }, h("code", {}, made.url)));
      announce(`Invitation for ${made.candidate.name} created.`);
      name.value = ""; email.value = "";
      await refresh();
    } catch (error) { clear(result, errorBox(error)); }
  });
  return form;
}

function copyButton(id, url, name) {
  return h("button", { type: "button", class: "secondary", "aria-label": `Copy link for ${name}`, title: "Copy link",
    onclick: async () => {
      try { await navigator.clipboard.writeText(url); announce(`Link for ${name} copied.`); }
      catch (_) { window.prompt("Copy the link:", url); }
    } }, "Copy link");
}

/** "Copy link" for a link this tab made; else, for an open invitation, "New link" (the old one stops working). */
function linkCell(inv, url, refresh) {
  const name = inv.candidate.name;
  if (!OPEN.includes(inv.status)) return h("span", { class: "muted" }, "no link: the invitation is closed");
  if (!may("invite")) return h("span", { class: "muted" }, "sent to the candidate");
  if (url) return copyButton(inv.invitation_id, url, name);
  return h("button", { type: "button", class: "secondary", "aria-label": `New link for ${name}`,
    title: "Makes a new link and copies it; the link sent before stops working",
    onclick: async () => {
      if (!window.confirm(`Make a new link for ${name}? The link sent before stops working at once; send the new one to ${name}.`)) return;
      try {
        const renewed = await interviewApi(`/invitations/${inv.invitation_id}/link`, { method: "POST" });
        keepLink(inv.invitation_id, renewed.url);
        try { await navigator.clipboard.writeText(renewed.url); } catch (_) { window.prompt("Copy the new link:", renewed.url); }
        announce(`New link for ${name} copied. The link sent before no longer works.`);
        await refresh();
      } catch (error) { announce(error.message, "error"); }
    } }, "New link");
}

async function renderTable(table, status, sets) {
  const page = await interviewApi("/invitations" + query({ status, limit: 100 }));
  const names = Object.fromEntries(sets.map((s) => [s.question_set_id, setLabel(s)]));
  const kept = links();
  clear(table, h("h3", { id: "invitations-title" }, `Invitations (${page.total})`), h("table", {},
    h("thead", {}, h("tr", {}, ["Candidate", "Question set", "Status", "Created", "Expires", "Link", ""].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, page.items.map((inv) => h("tr", { dataset: { invitation: inv.invitation_id } },
      h("td", {}, inv.candidate.name, inv.candidate.email ? h("div", { class: "muted" }, inv.candidate.email) : null),
      h("td", {}, names[inv.question_set_id] || inv.question_set_id),
      h("td", {}, statusBadge(inv.status)),
      h("td", {}, when(inv.created_at)), h("td", {}, when(inv.expires_at)),
      h("td", {}, linkCell(inv, kept[inv.invitation_id], () => renderTable(table, status, sets))),
      h("td", {}, OPEN.includes(inv.status) && may("invite")
        ? h("button", { type: "button", class: "danger", "aria-label": `Revoke invitation for ${inv.candidate.name}`, onclick: async () => {
          try {
            await interviewApi(`/invitations/${inv.invitation_id}/revoke`, { method: "POST" });
            announce(`Invitation for ${inv.candidate.name} revoked.`);
            await renderTable(table, status, sets);
          } catch (error) { announce(error.message, "error"); }
        } }, "Revoke")
        : h("a", { href: `#/interviews/${inv.interview_id}` }, "Open interview")))))));
}
