// The candidate API, authorised by the invitation token only (Authorization: Bearer <token>).

const TIMEOUT_MS = 20000;

/** An answer that was not 2xx, or no answer at all (status 0). `code` is the API's error code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The token from the page's address: /interview/<token>. */
export function tokenFromLocation(location) {
  const match = location.pathname.match(/\/interview\/([^/]+)\/?$/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function parseError(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.code) {
      return new ApiError(response.status, body.error.code, body.error.message || "");
    }
  } catch {
    // not JSON: fall through to a generic error
  }
  return new ApiError(response.status, `http_${response.status}`, response.statusText);
}

export function createApi(token) {
  async function call(method, path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network_error", "The server could not be reached.");
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw await parseError(response);
    // 204: nothing to read; an erasure's 202 says only that files are still being deleted
    return response.status === 204 || response.status === 202 ? { status: response.status } : response.json();
  }

  return {
    token,
    interview: () => call("GET", "/candidate/interview"),
    consent: (given, noticeVersion) =>
      call("POST", "/candidate/consent", { given, notice_version: noticeVersion }),
    start: () => call("POST", "/candidate/start"),
    end: () => call("POST", "/candidate/end"),
    // the bias audit's voluntary survey: whether it is asked, and the one answer to it
    survey: () => call("GET", "/candidate/survey"),
    answerSurvey: (answers) => call("POST", "/candidate/survey", answers),
    // erasures answer { status: 204 } when everything is gone, { status: 202 } while files are deleted
    withdraw: () => call("POST", "/candidate/consent/withdraw"),
    remove: () => call("DELETE", "/candidate/interview"),
  };
}
