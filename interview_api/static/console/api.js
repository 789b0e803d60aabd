// The console's calls: the interview API directly, the question API through the interview
// API's relay (/console/question-api/...). The staff key lives in sessionStorage only.

const KEY = "console.apiKey";
const NAME = "console.reviewer";

export const session = {
  get key() { return sessionStorage.getItem(KEY) || ""; },
  set key(value) { value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY); },
  get reviewer() { return sessionStorage.getItem(NAME) || ""; },
  set reviewer(value) { value ? sessionStorage.setItem(NAME, value) : sessionStorage.removeItem(NAME); },
};

// What the signed-in key's role may do (the README's role table); the routes check it anyway.
const MAY = {
  questions: [["admin", "hr"], "generate or change questions"],
  invite: [["admin", "hr"], "invite candidates or change their links"],
  review: [["admin", "reviewer"], "rate answers or record decisions"],
  watch: [["admin", "hr", "reviewer"], "watch the videos"],
};
export const access = { role: "admin", reviewer: null, open_mode: true };
export const may = (action) => MAY[action][0].includes(access.role);
/** Why the controls of `action` are not offered, and whose key has them. */
export const notAllowed = (action) =>
  `Signed in with ${article(access.role)} ${access.role} key: you can read this, but not ${MAY[action][1]} (that takes an ${MAY[action][0].join(" or ")} key).`;
const article = (role) => (["admin", "hr", "integration"].includes(role) ? "an" : "a"); // "an hr key"

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(url, { method = "GET", body, raw = false } = {}) {
  const headers = {};
  if (session.key) headers["X-API-Key"] = session.key;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, "network", "The interview API did not answer. Is it running?");
  }
  if (!response.ok) {
    let code = "http_" + response.status;
    let message = `The request failed (HTTP ${response.status}).`;
    try {
      const parsed = await response.json();
      if (parsed && parsed.error) ({ code, message } = parsed.error);
    } catch (_) { /* not JSON: keep the generic message */ }
    throw new ApiError(response.status, code, message);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

export const interviewApi = (path, options) => call(path, options);
export const questionApi = (path, options) => call("/console/question-api" + path, options);

/** The reviewer's name for bodies that take one (a named key overrides it on the server). */
export function reviewerField() {
  return session.reviewer ? { reviewer: session.reviewer } : {};
}

export function query(params) {
  const kept = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return kept.length ? "?" + new URLSearchParams(kept).toString() : "";
}
