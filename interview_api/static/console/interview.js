// One interview, answer by answer: the video with the transcript, signals and charts beside it,
// the AI figures (advisory, with provider and model), and the people's ratings and decision.
import { access, interviewApi, may, notAllowed, questionApi, reviewerField, session } from "./api.js";
import { lineChart } from "./charts.js";
import { announce, clear, errorBox, h, seconds, statusBadge, when } from "./dom.js";

const RUNNING = new Set(["queued", "running"]);
const SCORES = [
  ["confidence", "Confidence"], ["clarity", "Clarity"], ["speech_rate", "Speech rate"], ["eye_contact", "Eye contact"],
  ["body_language", "Body language"], ["voice_tone", "Voice tone"], ["relevance_to_question", "Relevance to the question"],
];
const PROVIDER_NAMES = {
  twelvelabs: "Twelve Labs", interhuman: "Interhuman", local: "Local measurement",
  transcription: "Transcription", evaluation: "Answer evaluation",
};

export function interviewScreen(interviewId) {
  return async (view) => {
    let timer = null;
    let selected = 0;
    const state = { objectUrls: [], at: {} }; // `at`: where each video was, kept across redraws
    const draw = async () => {
      clearTimeout(timer);
      const report = await interviewApi(`/interviews/${interviewId}/report`);
      const interview = report.interview;
      const [expected, candidate] = await Promise.all([expectedPoints(interview.question_set_id), invitedName(interview)]);
      const answers = report.answers;
      const busy = interview.recordings.some((r) => RUNNING.has(r.status));
      const body = h("div");
      clear(view, h("h2", {}, "Interview"), summaryCard(interview, report, candidate), body);
      if (!answers.length && !interview.recordings.length) {
        body.append(h("p", { class: "card muted" }, "No answer uploaded yet."));
      } else {
        const nav = h("div", { class: "answers-nav", role: "group", "aria-label": "Answers" });
        const panel = h("div");
        const show = (index) => {
          selected = index;
          for (const [i, b] of [...nav.children].entries()) b.setAttribute("aria-pressed", String(i === index));
          answerPanel(panel, answers[index], expected, report.review, state, () => draw());
        };
        answers.forEach((answer, i) => nav.append(h("button", { type: "button", class: "secondary", onclick: () => show(i) },
          `Answer ${i + 1}`, " ", statusBadge(answer.analysis.status))));
        body.append(nav, panel);
        show(Math.min(selected, answers.length - 1));
      }
      body.append(decisionCard(interview, report.review, draw));
      if (busy) timer = setTimeout(() => watch(statusesOf(interview)), 2500);
    };
    // While an analysis runs, poll the light interview document and redraw only when a status
    // changes (a redraw would reset the video).
    const watch = async (before) => {
      try {
        const now = statusesOf(await interviewApi(`/interviews/${interviewId}`));
        if (now !== before) return await draw();
        if (now.split(",").some((s) => RUNNING.has(s))) timer = setTimeout(() => watch(now), 2500);
      } catch (error) { announce(error.message, "error"); }
    };
    await draw();
    return () => { clearTimeout(timer); state.objectUrls.forEach((u) => URL.revokeObjectURL(u)); };
  };
}

function statusesOf(interview) {
  return interview.recordings.map((r) => r.status).join(",");
}

async function expectedPoints(setId) {
  if (!setId) return {};
  try {
    const set = await questionApi(`/question-sets/${encodeURIComponent(setId)}`);
    return Object.fromEntries(set.questions.map((q) => [q.id, q]));
  } catch (_) { return {}; }
}

/** The invited candidate's name, when the interview came from an invitation. */
async function invitedName(interview) {
  if (!interview.question_set_id) return null;
  try {
    const page = await interviewApi(`/invitations?question_set_id=${encodeURIComponent(interview.question_set_id)}&limit=200`);
    return page.items.find((i) => i.interview_id === interview.interview_id)?.candidate.name || null;
  } catch (_) { return null; }
}

function summaryCard(interview, report, candidate) {
  const s = report.summary;
  return h("section", { class: "card" }, h("dl", { class: "facts" },
    h("dt", {}, "Candidate"), h("dd", {}, candidate || interview.candidate_id || "—"),
    h("dt", {}, "Status"), h("dd", {}, statusBadge(interview.status)),
    h("dt", {}, "Started"), h("dd", {}, when(interview.started_at)),
    h("dt", {}, "Answers"), h("dd", {}, `${s.answers} (${Object.entries(s.answers_by_status).map(([k, v]) => `${v} ${k}`).join(", ") || "none"})`),
    h("dt", {}, "Decision"), h("dd", {}, report.review.decision
      ? [statusBadge(report.review.decision.decision), ` by ${report.review.decision.decided_by}, ${when(report.review.decision.decided_at)}`]
      : "none yet")));
}

// Times of words, segments, signals and windows: `start_seconds`/`end_seconds` (schema 1.1);
// `start`/`end` in Interhuman's sections of documents stored under schema 1.0.
function start(item) { return item.start_seconds ?? item.start; }
function end(item) { return item.end_seconds ?? item.end; }

function answerPanel(panel, answer, expected, review, state, redraw) {
  const doc = answer.analysis;
  const question = expected[answer.question?.id] || {};
  const video = h("video", { controls: true, preload: "metadata", "aria-label": `Video of the answer to: ${answer.question?.text || "the question"}` });
  const seek = (t) => { video.currentTime = Math.max(0, t); announce(`Video at ${seconds(t)}.`); };
  video.addEventListener("loadedmetadata", () => { video.currentTime = state.at[doc.recording_id] || 0; }, { once: true });
  video.addEventListener("timeupdate", () => { state.at[doc.recording_id] = video.currentTime; });
  if (may("watch")) loadVideo(video, doc.recording_id, state);
  const duration = doc.media?.duration_seconds || 0;
  const left = h("div", {},
    h("h3", {}, answer.question?.text || "Answer without a question"),
    question.expected_points?.length ? h("p", { class: "muted" }, "Expected: ", question.expected_points.join(" · ")) : null,
    may("watch") ? video : h("p", { class: "note", role: "note" }, notAllowed("watch")),
    behaviorTimelines(doc, duration, video, seek),
    transcriptBlock(doc, video, seek));
  const right = h("div", {}, ratingCard(doc.recording_id, review, redraw), assessmentCard(doc), speechCard(doc), evaluationCard(doc, seek), providersCard(doc));
  clear(panel, h("div", { class: "grid2" }, h("div", { class: "card" }, left), right), qualityChart(doc, seek));
}

async function loadVideo(video, recordingId, state) {
  const media = `/recordings/${recordingId}/media`;
  if (!session.key) { video.src = media; return; } // open mode: the element asks for ranges itself
  try {
    const link = await interviewApi(`/recordings/${recordingId}/media-link`);
    if (link.url) { video.src = link.url; return; } // S3: a presigned URL, ranges from the store
    // A <video> cannot send X-API-Key: fetch the file once with the key and play it from memory.
    const response = await interviewApi(media, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    state.objectUrls.push(url);
    video.src = url;
  } catch (error) { video.replaceWith(errorBox(error)); }
}

function advisory(provider, model) {
  return h("p", { class: "advisory" }, `Advisory: ${PROVIDER_NAMES[provider] || provider}${model ? `, model ${model}` : ""}. A machine estimate for a reviewer, never a decision.`);
}

/** Why a section is missing: the provider's own status and error, never zeros. */
function unavailable(doc, provider, what) {
  const report = doc.providers[provider];
  const name = PROVIDER_NAMES[provider] || provider;
  if (!report) return h("p", { class: "muted" }, `${what}: no ${name} step in this analysis.`);
  if (RUNNING.has(report.status) || report.status === "pending") return h("p", { class: "muted" }, `${what}: ${name} is ${report.status}…`);
  if (report.status === "skipped") return h("p", { class: "provider-skipped" }, `${what}: ${name} was skipped (not configured on this server).`);
  if (report.status === "failed") {
    return h("div", { class: "provider-failed", role: "note" }, h("strong", {}, `${name} failed`),
      report.error ? h("p", {}, report.error.message, " ", h("code", {}, report.error.code)) : h("p", {}, "No reason given."));
  }
  return h("p", { class: "muted" }, `${what}: not available (${name} ${report.status}).`);
}

function assessmentCard(doc) {
  const a = doc.assessment;
  const card = h("section", { class: "card", "aria-label": "Twelve Labs scores" }, h("h3", {}, "Twelve Labs scores (1-10)"));
  if (!a) return card.append(unavailable(doc, "twelvelabs", "Scores")), card;
  card.append(advisory("twelvelabs", a.model),
    h("div", { class: "scores" }, SCORES.map(([key, label]) => h("div", { class: "score" }, h("span", { class: "muted" }, label),
      h("strong", {}, a[key] ?? "—"), a[key] === null || a[key] === undefined ? h("span", { class: "muted" }, "not judged") : null))),
    a.summary ? h("p", {}, a.summary) : null,
    a.key_points?.length ? h("ul", {}, a.key_points.map((p) => h("li", {}, p))) : null);
  return card;
}

function behaviorTimelines(doc, duration, video, seek) {
  const b = doc.behavior;
  const wrap = h("section", { "aria-label": "Interhuman signals" }, h("h3", {}, "Signals (Interhuman)"));
  if (!b) return wrap.append(unavailable(doc, "interhuman", "Signals")), wrap;
  const span = Math.max(duration, ...b.signals.map(end), ...b.engagement.map(end), 1);
  const lane = (items, cls, render) => {
    const el = h("div", { class: `timeline ${cls}` });
    const head = h("div", { class: "playhead", "aria-hidden": "true" });
    for (const item of items) {
      const left = (100 * start(item)) / span, width = Math.max(1, (100 * (end(item) - start(item))) / span);
      el.append(render(item, `left:${left}%;width:${width}%`));
    }
    el.append(head);
    video.addEventListener("timeupdate", () => { head.style.left = `${(100 * video.currentTime) / span}%`; });
    return el;
  };
  const rationale = h("p", { class: "muted", "aria-live": "polite" }, b.signals.length ? "Click a signal to see why, and to jump there." : "No signal detected.");
  wrap.append(advisory("interhuman"),
    lane(b.signals, "signals", (s, style) => h("button", { type: "button", class: `mark prob-${s.probability || "none"}`, style,
      "aria-label": `Signal ${s.type}, ${s.probability || "no"} probability, ${seconds(start(s))} to ${seconds(end(s))}: seek`,
      title: s.rationale || s.type,
      onclick: () => { seek(start(s)); rationale.textContent = `${s.type} (${s.probability || "?"}, ${seconds(start(s))}–${seconds(end(s))}): ${s.rationale || "no rationale given"}`; },
    }, s.type)),
    rationale);
  if (b.engagement.length) {
    wrap.append(h("h3", {}, "Engagement"), lane(b.engagement, "engagement", (e, style) => h("button", { type: "button",
      class: `mark state-${e.state}`, style, "aria-label": `${e.state} from ${seconds(start(e))} to ${seconds(end(e))}: seek`,
      onclick: () => seek(start(e)) }, e.state)));
  }
  const overall = b.conversation_quality?.overall;
  if (overall) {
    wrap.append(h("h3", {}, "Conversation quality, overall (0-100)"), h("div", { class: "scores" },
      Object.entries(overall).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) =>
        h("div", { class: "score" }, h("span", { class: "muted" }, k.replace("_", " ")), h("strong", {}, v)))));
  }
  return wrap;
}

function qualityChart(doc, seek) {
  const timeline = doc.behavior?.conversation_quality?.timeline || [];
  if (timeline.length < 2) return null;
  const names = [...new Set(timeline.flatMap((w) => Object.keys(w.values)))];
  const x = timeline.map((w) => start(w));
  const series = names.map((n) => ({ label: n.replace("_", " "), values: timeline.map((w) => w.values[n] ?? null) }));
  return h("section", { class: "card", "aria-label": "Conversation quality over time" },
    advisory("interhuman"), lineChart({ title: "Conversation quality over time (Interhuman, 0-100)", x, series, unit: "0-100", onPick: seek }));
}

function speechCard(doc) {
  const s = doc.speech, m = doc.media;
  const card = h("section", { class: "card", "aria-label": "Local measurements" }, h("h3", {}, "Measured from the recording"));
  if (!s && !m) return card.append(unavailable(doc, "local", "Measurements")), card;
  const wpm = s?.words_per_minute, fillers = s?.filler_words;
  card.append(h("dl", { class: "facts" },
    m ? [h("dt", {}, "Length"), h("dd", {}, seconds(m.duration_seconds))] : null,
    s ? [h("dt", {}, "Speaking time"), h("dd", {}, `${seconds(s.speaking_seconds)} (${Math.round(100 * s.speaking_ratio)} %)`),
      h("dt", {}, "Pauses"), h("dd", {}, `${s.pause_count}, longest ${s.longest_pause_seconds.toFixed(1)} s`),
      h("dt", {}, "Loudness"), h("dd", {}, s.mean_loudness_dbfs === null ? "nobody speaks" : `${s.mean_loudness_dbfs.toFixed(1)} dBFS`),
      h("dt", {}, "Words per minute"), h("dd", {}, wpm ? `${wpm.speaking ?? "—"} speaking, ${wpm.overall ?? "—"} overall` : "needs a transcript"),
      h("dt", {}, "Filler words"), h("dd", {}, fillers ? `${fillers.count}${Object.keys(fillers.by_word || {}).length ? ` (${Object.entries(fillers.by_word).map(([w, n]) => `${w} ${n}`).join(", ")})` : ""}` : "needs a transcript")]
      : null),
    h("p", { class: "muted" }, "Measured locally from the file, not a model's estimate."));
  return card;
}

function transcriptBlock(doc, video, seek) {
  const t = doc.transcript;
  const wrap = h("section", { "aria-label": "Transcript" }, h("h3", {}, "Transcript"));
  if (t === undefined) return wrap.append(h("p", { class: "muted" }, "This server does not transcribe answers yet.")), wrap;
  if (!t) return wrap.append(unavailable(doc, transcriptProvider(doc), "Transcript")), wrap;
  const words = t.words || [];
  if (!words.length) return wrap.append(h("p", {}, t.text)), wrap;
  const buttons = words.map((w) => h("button", { type: "button", class: "word", onclick: () => seek(start(w)),
    "aria-label": `${w.text}, at ${seconds(start(w))}: seek` }, w.text));
  const box = h("div", { class: "transcript" }, buttons.flatMap((b) => [b, " "]));
  let current = -1;
  video.addEventListener("timeupdate", () => {
    const now = video.currentTime;
    const index = words.findIndex((w) => start(w) <= now && now < end(w));
    if (index === current) return;
    if (current >= 0) buttons[current].classList.remove("current"), buttons[current].removeAttribute("aria-current");
    current = index;
    if (index >= 0) buttons[index].classList.add("current"), buttons[index].setAttribute("aria-current", "true");
  });
  wrap.append(advisory(transcriptProvider(doc), t.model), box);
  return wrap;
}

function transcriptProvider(doc) {
  return Object.keys(doc.providers).find((n) => n.includes("transcri")) || "transcription";
}

function evaluationCard(doc, seek) {
  const e = doc.evaluation;
  if (e === undefined) return null;
  const provider = Object.keys(doc.providers).find((n) => n.includes("evaluat")) || "evaluation";
  const card = h("section", { class: "card", "aria-label": "Evaluation against expected points" }, h("h3", {}, "Against the expected points"));
  if (!e) return card.append(unavailable(doc, provider, "Evaluation")), card;
  const words = (doc.transcript?.words || []).map((w) => ({ at: start(w), token: token(w.text) }));
  // Where the quote's words are said in that order (a quote is checked to be in the transcript).
  const quoteTime = (quote) => {
    const tokens = quote.split(/\s+/).map(token).filter(Boolean);
    if (!tokens.length) return null;
    const hit = words.findIndex((_, i) => tokens.every((t, j) => words[i + j]?.token === t));
    return hit >= 0 ? words[hit].at : null;
  };
  card.append(advisory(provider, `${e.model}, prompt ${e.prompt_version}`), h("p", {}, e.summary),
    h("ul", {}, e.points.map((p) => h("li", {}, statusBadge(p.status), " ", p.point,
      p.quotes.map((q) => {
        const at = quoteTime(q);
        return h("button", { type: "button", class: "quote", disabled: at === null, onclick: () => seek(at),
          "aria-label": `Quote “${q}”${at === null ? "" : `, at ${seconds(at)}: seek`}` }, `“${q}”`);
      })))));
  return card;
}

/** A word as the quote check sees it: lower case, without punctuation around it. */
function token(text) {
  return text.toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/[^\p{L}\p{N}']/gu, "");
}

function providersCard(doc) {
  return h("details", { class: "card" }, h("summary", {}, `Analysis ${doc.status}: each provider`),
    h("ul", {}, Object.entries(doc.providers).map(([name, p]) => h("li", {}, `${PROVIDER_NAMES[name] || name}: `, statusBadge(p.status),
      p.error ? h("span", {}, ` ${p.error.message} `, h("code", {}, p.error.code)) : null))));
}

function ratingCard(recordingId, review, redraw) {
  const mine = review.ratings.filter((r) => r.recording_id === recordingId);
  const given = mine.length ? h("ul", {}, mine.map((r) => h("li", {}, `${r.reviewer}: ${r.rating}/5`, r.notes ? ` — ${r.notes}` : "",
    h("span", { class: "muted" }, ` (${when(r.updated_at)})`)))) : h("p", { class: "muted" }, "No rating yet.");
  if (!may("review")) {
    return h("section", { class: "card", "aria-label": "Human review of this answer" }, h("h3", {}, "Reviewers' ratings"),
      given, h("p", { class: "note", role: "note" }, notAllowed("review")));
  }
  const own = mine.find((r) => r.reviewer === (access.reviewer || session.reviewer));
  const name = `rating-${recordingId}`;
  const stars = h("fieldset", { class: "stars" }, h("legend", {}, "Your rating (1 poor, 5 excellent)"),
    [1, 2, 3, 4, 5].map((n) => h("label", {}, h("input", { type: "radio", name, value: n, checked: own?.rating === n }), ` ${n}`)));
  const notes = h("textarea", { rows: 3, "aria-label": "Notes" }, own?.notes || "");
  const save = h("button", { type: "submit" }, "Save rating");
  const form = h("form", { class: "card", "aria-label": "Human review of this answer" }, h("h3", {}, "Your review"), stars,
    h("label", {}, "Notes", notes), save, given);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = form.querySelector(`input[name="${name}"]:checked`);
    if (!picked) return announce("Choose a rating from 1 to 5 first.", "error");
    try {
      await interviewApi(`/recordings/${recordingId}/ratings`, { method: "POST",
        body: { rating: Number(picked.value), notes: notes.value.trim() || null, ...reviewerField() } });
      announce("Rating saved.");
      await redraw();
    } catch (error) { announce(error.message, "error"); }
  });
  return form;
}

function decisionCard(interview, review, redraw) {
  const choice = h("fieldset", {}, h("legend", {}, "Decision"), ["advance", "hold", "reject"].map((d) =>
    h("label", { class: "inline" }, h("input", { type: "radio", name: "decision", value: d, checked: review.decision?.decision === d }), ` ${d}`)));
  const reason = h("textarea", { rows: 2, id: "decision-reason" });
  const history = review.decision_history.length ? h("ul", {}, review.decision_history.map((d) => h("li", {}, statusBadge(d.decision),
    ` ${d.decided_by}, ${when(d.decided_at)}`, d.reason ? ` — ${d.reason}` : ""))) : h("p", { class: "muted" }, "No decision yet.");
  if (!may("review")) {
    return h("section", { class: "card", "aria-labelledby": "decision-title" }, h("h3", { id: "decision-title" }, "Decision on this interview"),
      history, h("p", { class: "note", role: "note" }, notAllowed("review")));
  }
  const form = h("form", { class: "card", "aria-labelledby": "decision-title" },
    h("h3", { id: "decision-title" }, "Decision on this interview"),
    h("p", { class: "muted" }, "A person's decision. No AI figure sets it."), choice,
    h("label", { for: "decision-reason" }, "Reason", reason), h("button", { type: "submit" }, "Record decision"), history);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = form.querySelector("input[name=decision]:checked");
    if (!picked) return announce("Choose advance, hold or reject first.", "error");
    try {
      await interviewApi(`/interviews/${interview.interview_id}/decision`, { method: "POST",
        body: { decision: picked.value, reason: reason.value.trim() || null, ...reviewerField() } });
      announce(`Decision recorded: ${picked.value}.`);
      await redraw();
    } catch (error) { announce(error.message, "error"); }
  });
  return form;
}
