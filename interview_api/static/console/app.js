// The HR console: sign-in, theme, and a hash router over the screens.
import { access, ApiError, interviewApi, may, session } from "./api.js";
import { rethemeCharts } from "./charts.js";
import { clear, errorBox, h, screenChanged } from "./dom.js";
import { compareScreen } from "./compare.js";
import { interviewScreen } from "./interview.js";
import { interviewsScreen } from "./interviews.js";
import { invitationsScreen } from "./invitations.js";
import { questionsScreen } from "./questions.js";

const screen = document.getElementById("screen");
const signIn = document.getElementById("sign-in");
let stopCurrent = () => {};

const routes = [
  [/^#\/questions(?:\/([^/]+))?$/, (m) => questionsScreen(m[1])],
  [/^#\/invitations$/, () => invitationsScreen()],
  [/^#\/interviews$/, () => interviewsScreen()],
  [/^#\/interviews\/([^/]+)$/, (m) => interviewScreen(m[1])],
  [/^#\/compare(?:\/([^/]+))?$/, (m) => compareScreen(m[1])],
];

async function route() {
  stopCurrent();
  stopCurrent = () => {};
  screenChanged();
  const hash = location.hash || "#/questions";
  const name = hash.split("/")[1] || "questions";
  for (const link of document.querySelectorAll("nav a")) {
    link.toggleAttribute("aria-current", link.dataset.screen === name);
    if (link.dataset.screen === name) link.setAttribute("aria-current", "page");
  }
  const found = routes.find(([pattern]) => pattern.test(hash));
  if (!found) { location.hash = "#/questions"; return; }
  const view = h("div");
  clear(screen, view);
  try {
    const stop = await found[1](hash.match(found[0]))(view);
    if (typeof stop === "function") stopCurrent = stop;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignIn(error.message);
    clear(view, errorBox(error));
  }
}

/** Signed out, the header offers only the theme: the screens need a key first. */
function signedOut(out) {
  document.querySelector("nav").hidden = out;
  document.getElementById("reviewer-name").closest("label").hidden = out;
}

function showSignIn(message) {
  signedOut(true);
  signIn.hidden = false;
  clear(screen);
  const box = document.getElementById("sign-in-error");
  box.hidden = !message;
  box.textContent = message || "";
  document.getElementById("api-key").focus();
}

async function start() {
  // Open in the loopback setup without keys; otherwise ask for a staff key.
  try {
    Object.assign(access, await interviewApi("/console/session"));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignIn(session.key ? error.message : "");
    throw error;
  }
  signIn.hidden = true;
  signedOut(false);
  document.getElementById("sign-out").hidden = !session.key;
  const signedIn = document.getElementById("signed-in");
  signedIn.hidden = access.open_mode;
  signedIn.textContent = `${access.role} key`;
  // the name goes with ratings, decisions and question reviews: a role making none has no use for it
  nameInput.closest("label").hidden = !may("review") && !may("questions");
  if (access.reviewer) { // a named key: ratings and decisions carry the key's name
    nameInput.value = access.reviewer;
    nameInput.readOnly = true;
    nameInput.title = "The name of your key: ratings and decisions carry it.";
  }
  window.addEventListener("hashchange", route);
  await route();
}

document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  session.key = document.getElementById("api-key").value.trim();
  await start();
});

document.getElementById("sign-out").addEventListener("click", () => {
  session.key = "";
  location.hash = "#/questions";
  location.reload();
});

const nameInput = document.getElementById("reviewer-name");
nameInput.value = session.reviewer;
nameInput.addEventListener("change", () => { session.reviewer = nameInput.value.trim(); });

const themeButton = document.getElementById("theme-toggle");
function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  themeButton.setAttribute("aria-pressed", String(theme === "dark"));
  themeButton.textContent = theme === "dark" ? "Light theme" : "Dark theme";
  rethemeCharts();
}
applyTheme(localStorage.getItem("console.theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
themeButton.addEventListener("click", () => {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  localStorage.setItem("console.theme", next);
  applyTheme(next);
});

start().catch((error) => clear(screen, errorBox(error)));
