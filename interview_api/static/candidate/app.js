// The candidate's interview: welcome and consent, device check, practice, each question, finish.
// The server's answer to GET /candidate/interview decides where the page starts, so a reload or
// reopening the link resumes at the first unanswered question.

import { ApiError, createApi, tokenFromLocation } from "./api.js";
import { DeviceProblem, describeDevices, openDevices, pickFormat, startLevelMeter, startRecording } from "./media.js";
import { findPending, forgetPending, keepPending, uploadAnswer } from "./uploads.js";

const PRACTICE_QUESTION = "Practice: introduce yourself in two or three sentences.";
const READ_ALOUD_KEY = "candidate-read-aloud";
// the link of an interview deleted in this browser (a dead token), so a reload can say why it fails
const DELETED_KEY = "candidate-deleted";
const withdrawnKey = (interviewId) => `candidate-withdrawn:${interviewId}`;

const main = document.getElementById("app");
const announcer = document.getElementById("announcer");
const dialog = document.getElementById("confirm");
const state = { api: null, interview: null, stream: null, format: null, cleanups: [] };

// -- small helpers ---------------------------------------------------------------------------

function announce(text) {
  // cleared first, so the same words said twice are announced twice
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 60);
}

const slot = (root, name) => root.querySelector(`[data-slot="${name}"]`);
const action = (root, name) => root.querySelector(`[data-action="${name}"]`);

function show(templateId, title) {
  for (const cleanup of state.cleanups.splice(0)) cleanup();
  const screen = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
  main.replaceChildren(screen);
  document.title = `${title} · Your interview`;
  window.scrollTo(0, 0);
  return screen;
}

function focus(element) {
  if (element) element.focus({ preventScroll: false });
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function duration(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [];
  if (minutes) parts.push(plural(minutes, "minute"));
  if (rest || !minutes) parts.push(plural(rest, "second"));
  return parts.join(" ");
}

const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

function megabytes(bytes) {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Text as paragraphs: one per line, and one per sentence that opens with a short "Label:"
 * (a notice set in one line of an environment variable has no line breaks); the label in bold. */
function paragraphs(container, text) {
  container.replaceChildren(
    ...String(text || "")
      .replace(/([.!?;])\s+(?=[A-Z][^.:!?\n]{1,40}:\s)/g, "$1\n")
      .split(/\n+/)
      .filter((part) => part.trim())
      .map((part) => {
        const p = document.createElement("p");
        const label = part.trim().match(/^([^:.]{2,40}:)\s+(.*)$/s);
        if (label) {
          const strong = document.createElement("strong");
          strong.textContent = label[1];
          p.append(strong, ` ${label[2]}`);
        } else {
          p.textContent = part.trim();
        }
        return p;
      }),
  );
}

function showError(screen, message) {
  const box = slot(screen, "error");
  box.textContent = message;
  box.hidden = !message;
}

/** Ticks once a second until `seconds` have passed; announces the `milestones` (seconds left). */
function countdown(seconds, { onTick, onDone, milestones = [], words }) {
  const end = performance.now() + seconds * 1000;
  let last = null;
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
    if (left !== last) {
      onTick(left, 1 - (end - performance.now()) / (seconds * 1000));
      if (last !== null && milestones.includes(left)) announce(words(left));
      last = left;
    }
    if (left === 0) {
      clearInterval(timer);
      if (onDone) onDone();
    }
  };
  const timer = setInterval(tick, 200);
  tick();
  const cancel = () => clearInterval(timer);
  state.cleanups.push(cancel);
  return { cancel };
}

// -- reading aloud ---------------------------------------------------------------------------

const speechSupported = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;

function readAloudOn() {
  return speechSupported && localStorage.getItem(READ_ALOUD_KEY) === "on";
}

function speak(text) {
  if (!speechSupported) return;
  window.speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = document.documentElement.lang || "en";
  window.speechSynthesis.speak(utterance);
}

function stopSpeaking() {
  if (speechSupported) window.speechSynthesis.cancel();
}

// -- errors that end the page ----------------------------------------------------------------

const ENDINGS = {
  invitation_token_invalid: {
    title: "This link does not work",
    body: "Check that you opened the whole link from your invitation.\n\n" +
      "If it still does not work, ask the person who invited you for a new link.",
  },
  invitation_expired: {
    title: "This invitation has expired",
    body: "The time to take this interview has run out, so it can no longer be started or " +
      "continued. Answers you already submitted are kept.\n\n" +
      "If you still want to take part, ask the person who invited you for a new link.",
  },
  invitation_revoked: {
    title: "This invitation was withdrawn",
    body: "The person who invited you has withdrawn this invitation, so the interview can no " +
      "longer be taken.\n\nIf you think this is a mistake, contact them.",
  },
  deleted: {
    title: "Your interview and its recordings are deleted",
    body: "Your answers, their video recordings and everything made from them were deleted, " +
      "here and at the services that analyse them. The hiring team keeps only a note that " +
      "the interview was deleted at your request.\n\n" +
      "This link no longer works. You can close this page.",
  },
  deleting: {
    title: "Your interview is being deleted",
    body: "Your interview and your answers are deleted. A few of the recording files are " +
      "still being removed from storage: this finishes by itself, you do not need to do " +
      "anything.\n\nThis link no longer works. You can close this page.",
  },
  link_gone: {
    title: "This link no longer works",
    body: "The interview this link opened was deleted at your request, with its recordings. " +
      "There is nothing left to open.\n\n" +
      "If you want to take part again, ask the person who invited you for a new link.",
  },
  withdrawn: {
    title: "You withdrew your consent",
    body: "Your recorded answers and their analyses are deleted, here and at the services " +
      "that analyse them, and nothing more is recorded. The hiring team sees that you " +
      "withdrew.\n\nYou can also delete the whole interview below. You can close this page.",
  },
  declined: {
    title: "You did not agree, so nothing was recorded",
    body: "You chose not to take part in this video interview. Nothing was recorded and " +
      "nothing about you was sent for analysis.\n\n" +
      "If you change your mind, contact the person who invited you. You can close this page.",
  },
};

function ending(code) {
  if (dialog.open) dialog.close();
  stopSpeaking();
  if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
  const { title, body } = ENDINGS[code];
  const screen = show("screen-message", title);
  slot(screen, "title").textContent = title;
  paragraphs(slot(screen, "body"), body);
  if (code === "withdrawn") addDataControls(screen, { consented: false });
  focus(slot(screen, "title"));
  announce(title);
}

/** The ending an API error leads to, or null when the page can carry on. */
function endingFor(error) {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 401) {
    const gone = state.api && localStorage.getItem(DELETED_KEY) === state.api.token;
    return gone ? "link_gone" : "invitation_token_invalid";
  }
  if (error.code === "invitation_expired" || error.code === "invitation_revoked") return error.code;
  if (error.status === 410) return "invitation_expired";
  if (error.code === "consent_refused") return "declined";
  return null;
}

function problemText(error) {
  if (error instanceof ApiError && error.status === 0) {
    return "The interview service could not be reached. Check your internet connection, then try again.";
  }
  const detail = error && error.message ? ` (${error.message})` : "";
  return `Something went wrong${detail}. Please try again.`;
}

/** Runs an API call; ends the page on a final error, else hands the error to `onProblem`. */
async function call(run, onProblem) {
  try {
    return await run();
  } catch (error) {
    const code = endingFor(error);
    if (code) ending(code);
    else if (error instanceof ApiError && error.code === "consent_required") await reload();
    else onProblem(error);
    return null;
  }
}

function unavailable(error, retry) {
  const screen = show("screen-message", "Not available");
  slot(screen, "title").textContent = "The interview could not be opened";
  paragraphs(slot(screen, "body"), problemText(error));
  slot(screen, "actions").hidden = false;
  action(screen, "retry").addEventListener("click", retry);
  focus(slot(screen, "title"));
}

// -- where the interview stands --------------------------------------------------------------

async function reload() {
  const interview = await call(() => state.api.interview(), (error) => unavailable(error, reload));
  if (interview) route(interview);
}

function route(interview) {
  state.interview = interview;
  document.querySelector("[data-role-title]").textContent = interview.role_title || "";
  switch (interview.status) {
    case "declined":
      return ending(localStorage.getItem(withdrawnKey(interview.interview_id)) ? "withdrawn" : "declined");
    case "expired":
      return ending("invitation_expired");
    case "revoked":
      return ending("invitation_revoked");
    case "completed":
      return showDone();
    case "invited":
    case "opened":
      return showWelcome();
    default: // consented, in_progress: the device check opens the camera (again, after a reload)
      return state.stream && state.stream.active ? afterDevices() : showDevices();
  }
}

function orderedQuestions() {
  return [...(state.interview.questions || [])].sort((a, b) => a.position - b.position);
}

function answeredQuestions() {
  const answered = new Set(state.interview.answered || []);
  return orderedQuestions().filter((question) => answered.has(question.id));
}

function afterDevices() {
  const { status, practice } = state.interview;
  if (status === "consented" && practice) return showAnswer(null);
  if (status === "consented") return beginInterview();
  return nextQuestion();
}

async function beginInterview() {
  const interview = await call(() => state.api.start(), (error) => unavailable(error, beginInterview));
  if (!interview) return;
  state.interview = interview;
  nextQuestion();
}

function nextQuestion() {
  const answered = new Set(state.interview.answered || []);
  const next = orderedQuestions().find((question) => !answered.has(question.id));
  if (next) showAnswer(next);
  else afterAnswers();
}

/** After the last answer: the voluntary survey where the question set asks it, then Finish. */
async function afterAnswers() {
  // voluntary: if asking fails, the candidate goes on to finish rather than wait on it
  let failed = false;
  const survey = await call(() => state.api.survey(), () => { failed = true; });
  if (survey && survey.offered && !survey.submitted) showSurvey(survey);
  else if (survey || failed) showFinish();
}

// -- the candidate's own data: withdraw consent, delete the interview -------------------------

const ERASURES = {
  delete: {
    title: "Delete your interview?",
    body: "Your answers, their video recordings and everything made from them are deleted, " +
      "here and at the services that analyse them, and this link stops working.\n\n" +
      "This cannot be undone.",
    confirm: "Delete everything",
    keep: "Keep my interview",
    run: () => state.api.remove(),
    after: (result) => {
      localStorage.setItem(DELETED_KEY, state.api.token);
      return result.status === 202 ? "deleting" : "deleted";
    },
  },
  withdraw: {
    title: "Withdraw your consent?",
    body: "Your recorded answers and their analyses are deleted, here and at the services " +
      "that analyse them, and nothing more is recorded. The interview ends.\n\n" +
      "This cannot be undone.",
    confirm: "Withdraw and delete my recordings",
    keep: "Keep my interview",
    run: () => state.api.withdraw(),
    after: () => {
      localStorage.setItem(withdrawnKey(state.interview.interview_id), "yes");
      return "withdrawn";
    },
  },
};

/** What this browser keeps of the interview: answers waiting to be sent, retakes, upload URLs. */
async function forgetInBrowser(interview) {
  for (const question of interview.questions || []) {
    await forgetPending(interview.interview_id, question.id);
  }
  for (const key of Object.keys(localStorage)) {
    if (key.includes(interview.interview_id) && key !== withdrawnKey(interview.interview_id)) {
      localStorage.removeItem(key);
    }
  }
}

/** Asks in the page before erasing; "Keep my interview" (or Escape) changes nothing. */
function confirmErasure(kind, trigger) {
  const words = ERASURES[kind];
  const confirm = action(dialog, "confirm");
  const keep = action(dialog, "keep");
  let busy = false;
  slot(dialog, "title").textContent = words.title;
  paragraphs(slot(dialog, "body"), words.body);
  confirm.textContent = words.confirm;
  keep.textContent = words.keep;
  confirm.disabled = keep.disabled = false;
  showError(dialog, "");
  dialog.oncancel = (event) => { if (busy) event.preventDefault(); };
  dialog.onclose = () => { if (trigger.isConnected) focus(trigger); };
  keep.onclick = () => dialog.close();
  confirm.onclick = async () => {
    busy = true;
    confirm.disabled = keep.disabled = true;
    showError(dialog, "");
    const interview = state.interview;
    const result = await call(words.run, (error) => showError(dialog, problemText(error)));
    busy = false;
    confirm.disabled = keep.disabled = false;
    if (!result) return;
    await forgetInBrowser(interview);
    ending(words.after(result));
  };
  dialog.showModal();
  focus(keep);
}

/** "Withdraw my consent" (once consent is given) and "Delete my interview" under a screen. */
function addDataControls(screen, { consented }) {
  const part = document.getElementById("part-your-data").content.firstElementChild.cloneNode(true);
  const withdraw = action(part, "withdraw");
  const remove = action(part, "delete");
  withdraw.hidden = !consented;
  withdraw.addEventListener("click", () => confirmErasure("withdraw", withdraw));
  remove.addEventListener("click", () => confirmErasure("delete", remove));
  screen.append(part);
}

// -- screens ---------------------------------------------------------------------------------

function showWelcome() {
  const interview = state.interview;
  const screen = show("screen-welcome", "Welcome");
  const name = interview.candidate && interview.candidate.name;
  slot(screen, "candidate-name").textContent = name ? `, ${name}` : "";
  slot(screen, "role").textContent = interview.role_title || "this role";
  slot(screen, "expires").textContent = interview.expires_at
    ? new Date(interview.expires_at).toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" })
    : "the invitation expires";
  slot(screen, "questions").textContent = String(interview.question_count);
  slot(screen, "answer-time").textContent = `up to ${duration(interview.answer_seconds)}`;
  slot(screen, "think-time").textContent = interview.think_seconds
    ? duration(interview.think_seconds) : "none";
  slot(screen, "retakes").textContent = String(interview.retakes);
  slot(screen, "practice-note").textContent = interview.practice
    ? "You can try a practice question first. It is played back to you only, and never sent."
    : "";
  paragraphs(slot(screen, "notice"), interview.notice.text);
  slot(screen, "notice-version").textContent = interview.notice.version;

  const buttons = [action(screen, "agree"), action(screen, "decline")];
  const choose = async (given) => {
    buttons.forEach((button) => { button.disabled = true; });
    showError(screen, "");
    const result = await call(
      () => state.api.consent(given, interview.notice.version),
      (error) => showError(screen, problemText(error)),
    );
    buttons.forEach((button) => { button.disabled = false; });
    if (!result) return;
    if (!given || result.status === "declined") ending("declined");
    else route(result);
  };
  buttons[0].addEventListener("click", () => choose(true));
  buttons[1].addEventListener("click", () => choose(false));
  addDataControls(screen, { consented: false });
  focus(screen.querySelector("h1"));
}

async function showDevices() {
  const screen = show("screen-devices", "Camera and microphone");
  const proceed = action(screen, "continue");
  const retry = action(screen, "retry");
  const checks = slot(screen, "checks");
  const meter = slot(screen, "meter");
  const fill = slot(screen, "meter-fill");
  addDataControls(screen, { consented: true });
  focus(screen.querySelector("h1"));

  const working = (yes) => {
    // on a failure only the words and "Try again" show: no black preview, no dead meter
    for (const part of screen.querySelectorAll(".stage, .meter-row")) part.hidden = !yes;
    proceed.hidden = !yes;
    retry.hidden = yes;
  };
  const attempt = async () => {
    working(true);
    showError(screen, "");
    checks.replaceChildren();
    try {
      if (!state.stream || !state.stream.active) {
        state.format = pickFormat();
        state.stream = await openDevices();
      }
    } catch (error) {
      const problem = error instanceof DeviceProblem ? error : new DeviceProblem(
        "The camera and microphone could not be started.", "Reload the page and try again.");
      showError(screen, `${problem.title} ${problem.advice}`);
      working(false);
      focus(retry);
      return;
    }
    slot(screen, "preview").srcObject = state.stream;
    const level = startLevelMeter(state.stream, (value) => {
      fill.style.transform = `scaleX(${value / 100})`;
      meter.setAttribute("aria-valuenow", String(value));
    });
    state.cleanups.push(() => level.stop());
    for (const line of describeDevices(state.stream, state.format)) {
      const item = document.createElement("li");
      item.textContent = line;
      checks.append(item);
    }
    proceed.disabled = false;
    announce("Camera and microphone are working. Press Continue when you are ready.");
  };
  proceed.addEventListener("click", afterDevices);
  retry.addEventListener("click", attempt);
  await attempt();
}

function retakeKey(question) {
  return `candidate-retakes:${state.interview.interview_id}:${question.id}`;
}

/** One question's screen (`question` null: the practice question, never uploaded). */
async function showAnswer(question) {
  const interview = state.interview;
  const practice = question === null;
  const questions = orderedQuestions();
  const index = practice ? -1 : questions.findIndex((item) => item.id === question.id);
  const text = practice ? PRACTICE_QUESTION : question.text;
  const screen = show("screen-answer", practice ? "Practice question" : `Question ${index + 1} of ${questions.length}`);
  const live = slot(screen, "live");
  const playback = slot(screen, "playback");
  const badge = slot(screen, "rec-badge");
  live.srcObject = state.stream;
  addDataControls(screen, { consented: true });

  slot(screen, "position").textContent = practice
    ? "Practice question · played back to you only, never sent"
    : `Question ${index + 1} of ${questions.length}`;
  slot(screen, "question").textContent = text;
  const steps = slot(screen, "steps");
  if (!practice) {
    const answered = new Set(interview.answered || []);
    steps.replaceChildren(...questions.map((item, i) => {
      const step = document.createElement("span");
      step.className = answered.has(item.id) ? "step done" : i === index ? "step current" : "step";
      return step;
    }));
  }

  const toggle = action(screen, "speech");
  if (speechSupported) {
    slot(screen, "speech").hidden = false;
    toggle.checked = readAloudOn();
    toggle.addEventListener("change", () => {
      localStorage.setItem(READ_ALOUD_KEY, toggle.checked ? "on" : "off");
      if (toggle.checked) speak(text);
      else stopSpeaking();
    });
  }

  let retakesUsed = practice ? 0 : Number(localStorage.getItem(retakeKey(question)) || 0);
  let recordingUrl = null;
  state.cleanups.push(() => {
    stopSpeaking();
    if (recordingUrl) URL.revokeObjectURL(recordingUrl);
  });

  const setPhase = (name) => {
    for (const phase of screen.querySelectorAll("[data-phase]")) phase.hidden = phase.dataset.phase !== name;
    const reviewing = name === "review" || name === "uploading";
    live.hidden = reviewing;
    playback.hidden = !reviewing;
    badge.hidden = name !== "recording";
    screen.dataset.phase = name;
  };

  const think = () => {
    setPhase("think");
    if (interview.think_seconds <= 0) return record();
    if (readAloudOn()) speak(text);
    const skipPractice = action(screen, "skip-practice");
    skipPractice.hidden = !practice;
    let started = false;
    const begin = () => {
      // the click and the end of the think time can come together: record once
      if (started) return;
      started = true;
      timer.cancel();
      record();
    };
    const timer = countdown(interview.think_seconds, {
      onTick: (left) => { slot(screen, "think-timer").textContent = clock(left); },
      onDone: () => begin(),
      milestones: interview.think_seconds > 15 ? [10] : [],
      words: (left) => `${left} seconds to think. Recording starts by itself.`,
    });
    announce(`You have ${duration(interview.think_seconds)} to think. Recording starts by itself, ` +
      "or press Start recording now.");
    const start = action(screen, "record");
    start.onclick = begin;
    skipPractice.onclick = () => { started = true; timer.cancel(); stopSpeaking(); beginInterview(); };
  };

  const record = () => {
    stopSpeaking();  // the synthesised voice must not end up in the answer
    setPhase("recording");
    showError(screen, "");
    const seconds = interview.answer_seconds;
    let recording;
    try {
      recording = startRecording(state.stream, state.format, seconds);
    } catch {
      // e.g. the camera was unplugged since the device check: no step to go on with
      setPhase("failed");
      showError(screen, "The recording could not start. Check that the camera and microphone " +
        "are connected, then reload the page.");
      return;
    }
    const fill = slot(screen, "timebar");
    const timer = countdown(seconds, {
      onTick: (left, done) => {
        slot(screen, "answer-timer").textContent = clock(left);
        fill.style.transform = `scaleX(${Math.min(1, Math.max(0, done))})`;
      },
      milestones: [60, 30, 10].filter((mark) => seconds > mark * 1.5),
      words: (left) => `${duration(left)} left to answer.`,
    });
    state.cleanups.push(() => recording.stop());
    announce(`Recording. You have ${duration(seconds)} to answer.`);
    const stop = action(screen, "stop");
    stop.disabled = false;
    stop.onclick = () => { stop.disabled = true; recording.stop(); };
    focus(stop);
    recording.done.then((blob) => {
      timer.cancel();
      if (blob.size > 0) return review(blob, recording.stoppedByTimer);
      // stopped before the recorder had anything: not an answer, and not a retake either
      think();
      showError(screen, "Nothing was recorded. Press Start recording now and answer again.");
      focus(action(screen, "record"));
    }, () => {
      timer.cancel();
      setPhase("review");
      showError(screen, "The recording failed. Press Retake to record this answer again.");
    });
  };

  const review = (blob, timeUp, note = "") => {
    setPhase("review");
    if (recordingUrl) URL.revokeObjectURL(recordingUrl);
    recordingUrl = URL.createObjectURL(blob);
    playback.src = recordingUrl;
    const retakesLeft = interview.retakes - retakesUsed;
    const retake = action(screen, "retake");
    retake.hidden = !practice && retakesLeft <= 0;
    action(screen, "submit").hidden = practice;
    action(screen, "begin").hidden = !practice;
    const lines = [];
    if (timeUp) lines.push("The time was up, so the recording stopped.");
    if (note) lines.push(note);
    if (practice) lines.push("This was only practice: nothing was sent. Record it again, or start the interview.");
    else if (retakesLeft > 0) lines.push(`Submit it, or record it again (${plural(retakesLeft, "retake")} left).`);
    else lines.push("No retakes are left for this question: submit this answer.");
    slot(screen, "review-note").textContent = lines.join(" ");
    announce(timeUp ? "Time is up. Recording stopped." : "Recording stopped.");
    focus(slot(screen, "review-title"));

    retake.onclick = () => {
      if (!practice) {
        retakesUsed += 1;
        localStorage.setItem(retakeKey(question), String(retakesUsed));
      }
      showError(screen, "");
      playback.removeAttribute("src");
      playback.load();
      think();
      focus(action(screen, "record"));
    };
    action(screen, "begin").onclick = () => beginInterview();
    action(screen, "submit").onclick = () => submit(blob);
  };

  const submit = async (blob) => {
    if (!recordingUrl) {  // an answer kept from before a reload: show what is being sent
      recordingUrl = URL.createObjectURL(blob);
      playback.src = recordingUrl;
    }
    playback.pause();
    setPhase("uploading");
    focus(screen.querySelector("[data-phase=uploading] .phase-title"));
    announce("Sending your answer.");
    await keepPending(interview.interview_id, question.id, blob);
    const progress = slot(screen, "progress");
    const progressText = slot(screen, "progress-text");
    const resume = action(screen, "resume");
    const upload = uploadAnswer({
      token: state.api.token,
      interviewId: interview.interview_id,
      question,
      blob,
      format: state.format,
      onProgress: (sent, total) => {
        const percent = total ? Math.floor((sent / total) * 100) : 0;
        progress.value = percent;
        progressText.textContent = `${percent}% · ${megabytes(sent)} of ${megabytes(total)}`;
        resume.hidden = true;
      },
      onStalled: () => {
        progressText.textContent = "The connection dropped. Your answer is kept in this browser " +
          "and continues sending by itself when the connection is back.";
        resume.hidden = false;
        announce("The connection dropped. The upload continues when the connection is back.");
      },
    });
    resume.onclick = () => { resume.hidden = true; upload.resume(); };
    try {
      await upload.done;
    } catch (failure) {
      if (failure.code !== "answer_already_submitted") {
        const error = new ApiError(failure.status, failure.code, "");
        const code = endingFor(error);
        if (code) return ending(code);
        await forgetPending(interview.interview_id, question.id);
        review(blob, false, "The server did not accept this recording. Record it again, or submit it once more.");
        showError(screen, `The upload was refused (${failure.code}).`);
        return;
      }
    }
    await forgetPending(interview.interview_id, question.id);
    localStorage.removeItem(retakeKey(question));
    progress.value = 100;
    announce("Answer submitted.");
    await reload();
  };

  if (!practice) {
    const pending = await findPending(interview.interview_id, question.id);
    if (pending) {
      submit(pending);
      slot(screen, "upload-note").textContent = "This answer was recorded before the page was " +
        "closed or reloaded, and is being sent now from where it stopped.";
      return;
    }
  }
  think();
  focus(slot(screen, "question"));
}

// -- the voluntary survey (bias audit) ----------------------------------------------------------

function fillChoices(fieldset, name, question) {
  slot(fieldset, "legend").textContent = question.label;
  slot(fieldset, "choices").replaceChildren(...question.options.map((option) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = name;
    input.value = option.value;
    label.append(input, ` ${option.label}`);
    return label;
  }));
}

function showSurvey(survey) {
  const screen = show("screen-survey", "Voluntary survey");
  paragraphs(slot(screen, "purpose"), survey.purpose);
  const form = slot(screen, "form");
  for (const fieldset of form.querySelectorAll("[data-question]")) {
    const name = fieldset.dataset.question;
    fillChoices(fieldset, name, survey.questions[name]);
  }
  const buttons = [action(screen, "answer"), action(screen, "skip")];
  const send = async (answers) => {
    buttons.forEach((button) => { button.disabled = true; });
    showError(screen, "");
    let closed = false;  // answered in another tab, or no longer asked: nothing left to do
    const result = await call(() => state.api.answerSurvey(answers), (error) => {
      closed = error.code === "survey_already_submitted" || error.code === "survey_not_offered";
      if (!closed) showError(screen, problemText(error));
    });
    buttons.forEach((button) => { button.disabled = false; });
    if (result || closed) showFinish();
  };
  buttons[0].addEventListener("click", () => {
    const chosen = (name) => {
      const picked = form.querySelector(`input[name="${name}"]:checked`);
      return picked ? picked.value : null;
    };
    send({ sex: chosen("sex"), race_ethnicity: chosen("race_ethnicity") });
  });
  buttons[1].addEventListener("click", () => send({}));
  addDataControls(screen, { consented: true });
  announce("Your answers are in. A voluntary survey follows; you can skip it.");
  focus(screen.querySelector("h1"));
}

function fillSubmitted(list) {
  list.replaceChildren(...answeredQuestions().map((question) => {
    const item = document.createElement("li");
    item.textContent = question.text;
    return item;
  }));
}

function showFinish() {
  const screen = show("screen-finish", "Finish");
  fillSubmitted(slot(screen, "submitted"));
  addDataControls(screen, { consented: true });
  const finish = action(screen, "finish");
  finish.addEventListener("click", async () => {
    finish.disabled = true;
    showError(screen, "");
    const interview = await call(() => state.api.end(), (error) => showError(screen, problemText(error)));
    finish.disabled = false;
    if (!interview) return;
    state.interview = interview;
    showDone();
  });
  announce("All your answers are in. Press Finish to end the interview.");
  focus(screen.querySelector("h1"));
}

function showDone() {
  if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
  const interview = state.interview;
  const screen = show("screen-done", "Thank you");
  const name = interview.candidate && interview.candidate.name;
  slot(screen, "candidate-name").textContent = name ? `, ${name}` : "";
  slot(screen, "role").textContent = interview.role_title || "this role";
  const answered = answeredQuestions();
  slot(screen, "count").textContent = plural(answered.length, "answer");
  fillSubmitted(slot(screen, "submitted"));
  addDataControls(screen, { consented: true });
  announce("Thank you. Your interview is complete.");
  focus(screen.querySelector("h1"));
}

// -- start -----------------------------------------------------------------------------------

function boot() {
  const token = tokenFromLocation(window.location);
  if (!token) return ending("invitation_token_invalid");
  state.api = createApi(token);
  return reload();
}

boot();
