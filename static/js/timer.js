// Interval timer for one walk-run session. Vanilla JS, no dependencies, works under a strict CSP.
//
// Time is computed from timestamps (Date.now), never by counting ticks, so the countdown stays
// right when the phone locks, the tab sleeps or the page is reloaded mid-run (state is kept in
// localStorage). Segment changes are announced three ways: a tone, the voice (Web Speech, when
// the device has a voice) and a polite live region for screen readers; phones also vibrate.
(function () {
  "use strict";

  var root = document.getElementById("run-timer");
  var source = root && document.getElementById(root.dataset.segmentsId || "run-segments");
  if (!root || !source) return;

  var segments = JSON.parse(source.textContent);
  if (!segments.length) return;
  var storageKey = "walkrun-timer-" + (root.dataset.runId || "run");
  var totalMs = segments.reduce(function (sum, s) { return sum + s.seconds * 1000; }, 0);

  var ui = {
    label: root.querySelector("[data-timer-label]"),
    clock: root.querySelector("[data-timer-clock]"),
    next: root.querySelector("[data-timer-next]"),
    progress: root.querySelector("[data-timer-progress]"),
    elapsed: root.querySelector("[data-timer-elapsed]"),
    announce: root.querySelector("[data-timer-announce]"),
    start: root.querySelector("[data-timer-start]"),
    pause: root.querySelector("[data-timer-pause]"),
    resume: root.querySelector("[data-timer-resume]"),
    skip: root.querySelector("[data-timer-skip]"),
    finish: root.querySelector("[data-timer-finish]"),
    steps: root.querySelectorAll("[data-timer-step]"),
  };

  // state: {startedAt, pausedAt, pausedMs, skippedMs, done}
  var state = load();
  var lastIndex = null;
  var ticker = null;
  var wakeLock = null;
  var audio = null;

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (saved && typeof saved.startedAt === "number") return saved;
    } catch (e) { /* private mode or bad JSON: start fresh */ }
    return null;
  }

  function save() {
    try {
      if (state) window.localStorage.setItem(storageKey, JSON.stringify(state));
      else window.localStorage.removeItem(storageKey);
    } catch (e) { /* storage full or blocked: the timer still works in memory */ }
  }

  function elapsedMs(now) {
    if (!state) return 0;
    var until = state.pausedAt || now;
    return Math.max(0, until - state.startedAt - state.pausedMs + state.skippedMs);
  }

  function position(ms) {
    var acc = 0;
    for (var i = 0; i < segments.length; i++) {
      var len = segments[i].seconds * 1000;
      if (ms < acc + len) return { index: i, remainingMs: acc + len - ms };
      acc += len;
    }
    return { index: segments.length, remainingMs: 0 };
  }

  function clockText(ms) {
    var total = Math.ceil(ms / 1000);
    var m = Math.floor(total / 60);
    var s = total % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function spokenDuration(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    var parts = [];
    if (m) parts.push(m + (m === 1 ? " minute" : " minutes"));
    if (s) parts.push(s + " seconds");
    return parts.join(" ");
  }

  function tone(times) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      for (var i = 0; i < times; i++) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        var at = audio.currentTime + i * 0.35;
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
        osc.connect(gain).connect(audio.destination);
        osc.start(at);
        osc.stop(at + 0.3);
      }
    } catch (e) { /* no audio: the screen and the live region still say it */ }
  }

  function speak(text) {
    var synth = window.speechSynthesis;
    // No voices (some headless or stripped-down browsers): the tone already played is enough.
    if (!synth || !window.SpeechSynthesisUtterance || !synth.getVoices().length) return false;
    try {
      synth.cancel();
      synth.speak(new window.SpeechSynthesisUtterance(text));
      return true;
    } catch (e) {
      return false;
    }
  }

  function announce(text, tones) {
    tone(tones);
    speak(text);
    if (navigator.vibrate) navigator.vibrate(tones > 1 ? [200, 100, 200] : 200);
    ui.announce.textContent = text;
  }

  function requestWakeLock() {
    if (!("wakeLock" in navigator) || wakeLock || !state || state.pausedAt || state.done) return;
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      lock.addEventListener("release", function () { wakeLock = null; });
    }, function () { /* refused (battery saver): the timer still works */ });
  }

  function releaseWakeLock() {
    if (wakeLock) wakeLock.release().catch(function () {});
    wakeLock = null;
  }

  function show(el, visible) { if (el) el.hidden = !visible; }

  function render() {
    var now = Date.now();
    var ms = elapsedMs(now);
    var pos = position(ms);
    var finished = pos.index >= segments.length;

    if (state && !state.done && finished) {
      state.done = true;
      state.pausedAt = state.startedAt + totalMs + state.pausedMs - state.skippedMs;
      save();
      releaseWakeLock();
      announce("Well done, that is the whole session. Mark it done and tell us how your back feels.", 3);
      stopTicking();
    } else if (state && pos.index !== lastIndex && lastIndex !== null && !finished) {
      var seg = segments[pos.index];
      announce(seg.label + " for " + spokenDuration(seg.seconds), seg.kind === "jog" ? 2 : 1);
    }
    lastIndex = pos.index;

    if (finished) {
      ui.label.textContent = "Finished";
      ui.clock.textContent = "0:00";
      ui.next.textContent = "Mark the run done below.";
    } else {
      var current = segments[pos.index];
      var upcoming = segments[pos.index + 1];
      ui.label.textContent = current.label;
      ui.clock.textContent = clockText(state ? pos.remainingMs : current.seconds * 1000);
      ui.next.textContent = upcoming ? "Next: " + upcoming.label + " " + clockText(upcoming.seconds * 1000) : "Last step";
      root.dataset.kind = current.kind;
    }
    ui.progress.value = Math.min(ms, totalMs) / 1000;
    ui.progress.max = totalMs / 1000;
    ui.elapsed.textContent = clockText(Math.min(ms, totalMs)) + " of " + clockText(totalMs);
    ui.steps.forEach(function (step, i) {
      step.classList.toggle("is-current", i === pos.index && !finished);
      step.classList.toggle("is-done", i < pos.index);
    });

    var running = state && !state.pausedAt && !state.done;
    show(ui.start, !state);
    show(ui.pause, running);
    show(ui.resume, state && state.pausedAt && !state.done);
    show(ui.skip, running);
    show(ui.finish, state && state.done);
    root.dataset.state = !state ? "ready" : state.done ? "finished" : state.pausedAt ? "paused" : "running";
    if (state && state.done) fillDoneForm(Math.round(totalMs / 60000));
  }

  function fillDoneForm(minutes) {
    var input = document.querySelector("[data-actual-minutes]");
    if (input && !input.value) input.value = String(minutes);
  }

  function startTicking() {
    stopTicking();
    ticker = window.setInterval(render, 250);
  }

  function stopTicking() {
    if (ticker) window.clearInterval(ticker);
    ticker = null;
  }

  ui.start.addEventListener("click", function () {
    state = { startedAt: Date.now(), pausedAt: 0, pausedMs: 0, skippedMs: 0, done: false };
    save();
    lastIndex = 0;
    announce(segments[0].label + " for " + spokenDuration(segments[0].seconds), 1);
    requestWakeLock();
    render();
    startTicking();
  });

  ui.pause.addEventListener("click", function () {
    if (!state || state.pausedAt) return;
    state.pausedAt = Date.now();
    save();
    releaseWakeLock();
    ui.announce.textContent = "Paused";
    render();
    stopTicking();
  });

  ui.resume.addEventListener("click", function () {
    if (!state || !state.pausedAt || state.done) return;
    state.pausedMs += Date.now() - state.pausedAt;
    state.pausedAt = 0;
    save();
    ui.announce.textContent = "Resumed";
    requestWakeLock();
    render();
    startTicking();
  });

  ui.skip.addEventListener("click", function () {
    if (!state || state.pausedAt || state.done) return;
    state.skippedMs += position(elapsedMs(Date.now())).remainingMs;
    save();
    render();
  });

  ui.finish.addEventListener("click", function () {
    var form = document.getElementById("mark-done");
    if (form) {
      form.scrollIntoView({ behavior: "smooth", block: "start" });
      var field = form.querySelector("input:not([type=hidden]), textarea, button");
      if (field) field.focus();
    }
  });

  // Back from a locked screen or another app: catch up at once and take the wake lock again.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      render();
      requestWakeLock();
    }
  });

  // The run was marked done: the stored timer is no longer needed.
  document.addEventListener("submit", function (event) {
    if (event.target && event.target.id === "mark-done") {
      state = null;
      save();
    }
  });

  root.hidden = false;
  render();
  if (state && !state.pausedAt && !state.done) {
    requestWakeLock();
    startTicking();
  }
})();
