// Camera and microphone: opening them, saying clearly what went wrong, a level meter, recording.

// In order of preference: WebM (Chromium, Firefox), then MP4 (Safari).
const FORMATS = [
  { mimeType: "video/webm;codecs=vp9,opus", label: "WebM (VP9 video, Opus sound)", ext: "webm" },
  { mimeType: "video/webm;codecs=vp8,opus", label: "WebM (VP8 video, Opus sound)", ext: "webm" },
  { mimeType: "video/webm", label: "WebM", ext: "webm" },
  { mimeType: "video/mp4;codecs=avc1.42E01E,mp4a.40.2", label: "MP4 (H.264 video, AAC sound)", ext: "mp4" },
  { mimeType: "video/mp4", label: "MP4", ext: "mp4" },
];

/** A failure the candidate can act on: `title` and `advice` are shown as they are. */
export class DeviceProblem extends Error {
  constructor(title, advice) {
    super(title);
    this.title = title;
    this.advice = advice;
  }
}

/** The first recording format this browser supports, or null when it cannot record. */
export function pickFormat() {
  if (typeof window.MediaRecorder !== "function") return null;
  const supported = (type) =>
    typeof MediaRecorder.isTypeSupported !== "function" || MediaRecorder.isTypeSupported(type);
  return FORMATS.find((format) => supported(format.mimeType)) || null;
}

function problemFor(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return new DeviceProblem(
        "The camera and microphone are blocked.",
        "Allow this page to use them (the camera icon in the address bar, or your browser's " +
          "site settings), then press Try again.",
      );
    case "NotFoundError":
    case "OverconstrainedError":
      return new DeviceProblem(
        "No camera or microphone was found.",
        "Connect a camera and a microphone (most laptops have both), then press Try again.",
      );
    case "NotReadableError":
    case "AbortError":
      return new DeviceProblem(
        "The camera or microphone is in use by another program.",
        "Close other programs or tabs that use them (video calls, for example), then press Try again.",
      );
    default:
      return new DeviceProblem(
        "The camera and microphone could not be started.",
        "Reload the page and try again, or use another browser.",
      );
  }
}

/** Opens camera and microphone together; throws a DeviceProblem the page shows in words. */
export async function openDevices() {
  if (!window.isSecureContext) {
    throw new DeviceProblem(
      "Browsers allow the camera only on secure (https) pages, and this one is not.",
      "Ask the person who invited you for a link that starts with https://.",
    );
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new DeviceProblem(
      "This browser cannot use a camera on this page.",
      "Open the invitation link in a current version of Chrome, Edge, Firefox or Safari.",
    );
  }
  if (!pickFormat()) {
    throw new DeviceProblem(
      "This browser cannot record video.",
      "Use a current version of Chrome, Edge, Firefox or Safari.",
    );
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
      audio: { echoCancellation: true, noiseSuppression: true },
    });
  } catch (error) {
    throw problemFor(error);
  }
  const missing = [];
  if (stream.getVideoTracks().length === 0) missing.push("camera");
  if (stream.getAudioTracks().length === 0) missing.push("microphone");
  if (missing.length) {
    stream.getTracks().forEach((track) => track.stop());
    throw new DeviceProblem(
      `No ${missing.join(" or ")} was found.`,
      "Connect one, then press Try again.",
    );
  }
  return stream;
}

/** What the device check lists once the devices work. */
export function describeDevices(stream, format) {
  const video = stream.getVideoTracks()[0];
  const audio = stream.getAudioTracks()[0];
  const { width, height } = video.getSettings();
  const size = width && height ? ` (${width} × ${height})` : "";
  return [
    `Camera: ${video.label || "working"}${size}`,
    `Microphone: ${audio.label || "working"}. Speak: the level bar should move.`,
    `Recording format: ${format.label}`,
  ];
}

/** Draws the microphone's loudness (0-100) until stop() is called. */
export function startLevelMeter(stream, onLevel) {
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!AudioContextClass) return { stop() {} };
  const context = new AudioContextClass();
  const source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let frame = 0;
  let last = -1;
  const draw = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    const rms = Math.sqrt(sum / samples.length);
    // -60 dBFS (silence) .. 0 dBFS (loudest) mapped onto 0..100
    const dbfs = rms > 0 ? 20 * Math.log10(rms) : -100;
    const level = Math.round(Math.max(0, Math.min(100, ((dbfs + 60) / 60) * 100)));
    if (level !== last) onLevel(level);
    last = level;
    frame = requestAnimationFrame(draw);
  };
  // autoplay rules may start the context suspended; resume() needs the click that led here
  context.resume().catch(() => {});
  draw();
  return {
    stop() {
      cancelAnimationFrame(frame);
      source.disconnect();
      context.close().catch(() => {});
    },
  };
}

/**
 * Records `stream` until stop() or `maxSeconds`. `done` resolves to the Blob (the recorder's
 * own MIME type); `stoppedByTimer` says whether the limit ended it.
 */
export function startRecording(stream, format, maxSeconds) {
  const recorder = new MediaRecorder(stream, { mimeType: format.mimeType });
  const chunks = [];
  let timer = 0;
  const recording = { stoppedByTimer: false };
  recording.done = new Promise((resolve, reject) => {
    recorder.ondataavailable = (event) => {
      if (event.data && event.data.size) chunks.push(event.data);
    };
    recorder.onstop = () => {
      clearTimeout(timer);
      resolve(new Blob(chunks, { type: recorder.mimeType || format.mimeType }));
    };
    recorder.onerror = (event) => {
      clearTimeout(timer);
      reject(event.error || new Error("recording failed"));
    };
  });
  recording.stop = () => {
    if (recorder.state !== "inactive") recorder.stop();
  };
  recorder.start(1000);
  timer = setTimeout(() => {
    recording.stoppedByTimer = true;
    recording.stop();
  }, maxSeconds * 1000);
  return recording;
}
