// The voice note recorder: MediaRecorder with a timer and a level meter. On stop, the
// recording goes into the form's file field and the form is sent, exactly as an upload is, so
// the server checks both the same way. Without a microphone or MediaRecorder the upload field
// alone remains.
(function () {
  "use strict";
  var form = document.querySelector("form[data-recorder]");
  if (!form) return;
  var panel = form.querySelector(".recorder");
  var recordButton = form.querySelector("[data-record]");
  var stopButton = form.querySelector("[data-stop]");
  var timer = form.querySelector("[data-timer]");
  var level = form.querySelector("[data-level]");
  var status = form.querySelector("[data-recorder-status]");
  var fileInput = form.querySelector("input[type=file]");
  var maxSeconds = parseInt(form.getAttribute("data-max-seconds"), 10) || 120;
  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;  // the panel stays hidden: upload only
  }
  panel.hidden = false;

  var TYPES = [
    ["audio/webm;codecs=opus", "webm"],
    ["audio/ogg;codecs=opus", "ogg"],
    ["audio/mp4", "m4a"],
    ["audio/webm", "webm"],
  ];
  var recorder = null, stream = null, chunks = [], started = 0, ticking = null;
  var audioContext = null, analyser = null, samples = null, drawing = null;

  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function showTime() {
    var elapsed = (Date.now() - started) / 1000;
    timer.textContent = clock(elapsed) + " / " + clock(maxSeconds);
    if (elapsed >= maxSeconds) stop();  // the limit the server also checks
  }
  function showLevel() {
    if (!analyser) return;
    analyser.getByteTimeDomainData(samples);
    var peak = 0;
    for (var i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i] - 128) / 128);
    level.value = peak;
    drawing = window.requestAnimationFrame(showLevel);
  }
  function release() {
    window.clearInterval(ticking);
    window.cancelAnimationFrame(drawing);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    if (audioContext) audioContext.close();
    stream = audioContext = analyser = null;
    level.value = 0;
  }
  function stop() {
    if (recorder && recorder.state === "recording") recorder.stop();
  }

  recordButton.addEventListener("click", function () {
    status.textContent = "Asking for the microphone…";
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (media) {
      stream = media;
      var chosen = TYPES.find(function (t) { return MediaRecorder.isTypeSupported(t[0]); }) || ["", "webm"];
      recorder = new MediaRecorder(stream, chosen[0] ? { mimeType: chosen[0] } : undefined);
      chunks = [];
      recorder.addEventListener("dataavailable", function (event) {
        if (event.data.size) chunks.push(event.data);
      });
      recorder.addEventListener("stop", function () {
        release();
        recordButton.disabled = false;
        stopButton.disabled = true;
        var blob = new Blob(chunks, { type: recorder.mimeType || chosen[0] || "audio/webm" });
        if (!blob.size) {
          status.textContent = "Nothing was recorded. Check the microphone and try again.";
          return;
        }
        var file = new File([blob], "voice-note." + chosen[1], { type: blob.type });
        var files = new DataTransfer();
        files.items.add(file);
        fileInput.files = files.files;
        status.textContent = "Saving your note…";
        form.requestSubmit();
      });
      audioContext = new AudioContext();
      analyser = audioContext.createAnalyser();
      analyser.fftSize = 1024;
      samples = new Uint8Array(analyser.fftSize);
      audioContext.createMediaStreamSource(stream).connect(analyser);
      recorder.start(1000);
      started = Date.now();
      showTime();
      ticking = window.setInterval(showTime, 250);
      showLevel();
      recordButton.disabled = true;
      stopButton.disabled = false;
      stopButton.focus();
      status.textContent = "Recording. Press Stop when you are done.";
    }).catch(function (error) {
      release();
      status.textContent = error && error.name === "NotAllowedError"
        ? "The browser was not allowed to use the microphone. Allow it in the address bar, or upload a file."
        : "No microphone could be used (" + (error && error.name || "unknown") + "). Upload a file instead.";
    });
  });
  stopButton.addEventListener("click", stop);
})();
