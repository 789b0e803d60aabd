// Resumable uploads of answers (tus 1.0, through the vendored tus-js-client).
//
// A submitted answer is first kept in IndexedDB, so that after a reload (or reopening the link)
// the page still has the bytes and continues the same upload: tus-js-client finds the upload's
// URL in localStorage under a fingerprint of interview, question and size, asks the server how
// many bytes it holds (HEAD) and sends the rest. The kept copy is deleted once the server has it.

const CHUNK_SIZE = 5 * 1024 * 1024;
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 20000];
const DB_NAME = "candidate-answers";
const STORE = "pending";

function openStore(mode) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction(STORE, mode);
      tx.oncomplete = () => db.close();
      tx.onabort = () => db.close();
      resolve(tx.objectStore(STORE));
    };
  });
}

function asPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

const pendingKey = (interviewId, questionId) => `${interviewId}:${questionId}`;

/** Keeps a submitted answer until its upload completes; best effort (private windows may refuse). */
export async function keepPending(interviewId, questionId, blob) {
  try {
    const store = await openStore("readwrite");
    await asPromise(store.put({ blob, type: blob.type, savedAt: Date.now() }, pendingKey(interviewId, questionId)));
  } catch {
    // without IndexedDB an upload still resumes after a network drop, just not after a reload
  }
}

/** The answer kept for this question by an earlier visit, or null. */
export async function findPending(interviewId, questionId) {
  try {
    const store = await openStore("readonly");
    const entry = await asPromise(store.get(pendingKey(interviewId, questionId)));
    return entry && entry.blob instanceof Blob ? entry.blob : null;
  } catch {
    return null;
  }
}

export async function forgetPending(interviewId, questionId) {
  try {
    const store = await openStore("readwrite");
    await asPromise(store.delete(pendingKey(interviewId, questionId)));
  } catch {
    // nothing kept, nothing to forget
  }
}

/** The API's error code in a tus error's response, if it has one. */
function errorOf(error) {
  const response = error && error.originalResponse;
  if (!response) return { status: 0, code: "network_error" };
  let code = `http_${response.getStatus()}`;
  try {
    const body = JSON.parse(response.getBody() || "{}");
    if (body.error && body.error.code) code = body.error.code;
  } catch {
    // not JSON
  }
  return { status: response.getStatus(), code };
}

function shouldRetry(error) {
  const { status, code } = errorOf(error);
  if (code === "answer_already_submitted") return false;
  // 409 (offset mismatch) and 423 (locked): ask the server for its offset again
  if (status === 409 || status === 423) return true;
  if (status >= 400 && status < 500) return false;
  return navigator.onLine !== false;
}

/**
 * Uploads one answer. Callbacks: onProgress(sent, total), onStalled() when the network is gone
 * (the upload continues by itself when it is back, or on resume()), and the returned `done`
 * resolves with {recordingId} or rejects with {status, code}.
 */
export function uploadAnswer({ token, interviewId, question, blob, format, onProgress, onStalled }) {
  const controls = {};
  controls.done = new Promise((resolve, reject) => {
    const upload = new window.tus.Upload(blob, {
      endpoint: new URL("/candidate/uploads", window.location.origin).href,
      headers: { Authorization: `Bearer ${token}` },
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS_MS,
      metadata: {
        question_id: question.id,
        filename: `answer-${question.position}.${format.ext}`,
        filetype: blob.type || format.mimeType,
      },
      fingerprint: () => Promise.resolve(`candidate-answer:${interviewId}:${question.id}:${blob.size}`),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onShouldRetry: shouldRetry,
      onProgress,
      onSuccess: ({ lastResponse }) => {
        window.removeEventListener("online", restart);
        resolve({ recordingId: lastResponse ? lastResponse.getHeader("X-Recording-Id") : null });
      },
      onError: (error) => {
        const failure = errorOf(error);
        if (failure.status === 0 || failure.status >= 500) {
          stalled = true;
          onStalled(failure);  // kept: continues when the network is back or on resume()
          return;
        }
        window.removeEventListener("online", restart);
        reject(failure);
      },
    });
    let stalled = false;
    const restart = () => {
      if (!stalled) return;  // still running (its own retries): a second start would race it
      stalled = false;
      upload.start();
    };
    window.addEventListener("online", restart);
    controls.resume = restart;
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      })
      .catch(() => upload.start());
  });
  return controls;
}
