// holdfast web display. Everything drawn here arrived as an MQTT message, passed on by the
// bridge as Server-Sent Events on /events: {kind, sensor, topic, payload, snapshot}.
// kind: service_status | status | state | angle | event | reply (docs/mqtt.md).
"use strict";

const RING_LENGTH = 2 * Math.PI * 52;
const GAUGE_MIN = -30, GAUGE_MAX = 120;     // degrees shown on the flexion gauge
const ALERT_SHOW_MS = 20000;
const LOG_LINES = 40;

const config = { zones: { neutral_max_deg: 20, moderate_max_deg: 60 }, exercises: [] };
const sensors = new Map();          // sensor id -> view model (below)
const seenIds = new Set();          // at-least-once delivery: drop duplicates by event id
let serviceStatus = "unknown";
let streamUp = false;
let soundOn = localStorage.getItem("holdfast.sound") !== "off";
let audio = null;
let alertTimer = null;

const $ = (id) => document.getElementById(id);
const route = () => {
  const m = location.pathname.match(/^\/sensor\/([^/]+)/);
  return m ? decodeURIComponent(m[1]) : null;
};

function sensorView(id) {
  if (!sensors.has(id)) {
    sensors.set(id, {
      id, link: "unknown", state: null, angle: null, hold: null, lastHold: null,
      rep: null, setsDone: {}, setEnded: null, log: [], routine: null,
    });
  }
  return sensors.get(id);
}

// --- folding messages -------------------------------------------------------------------

function onMessage(m) {
  if (m.kind === "service_status") { serviceStatus = m.payload; return; }
  const v = sensorView(m.sensor);
  switch (m.kind) {
    case "status": v.link = m.payload; break;
    case "state": foldState(v, m.payload); break;
    case "angle": v.angle = m.payload; break;
    case "event": foldEvent(v, m.payload, m.snapshot); break;
    case "reply": showReply(m.payload); break;
  }
}

function foldState(v, s) {
  v.state = s;
  if (s.hold) v.hold = { ...s.hold };
  else if (v.hold) { v.lastHold = v.hold; v.hold = null; }
  if (s.set && (!v.rep || v.rep.exercise !== s.set.exercise || v.rep.index < s.set.count)) {
    v.rep = { exercise: s.set.exercise, index: s.set.count, side: null };
  }
}

function foldEvent(v, e, snapshot) {
  if (e.id) {
    if (seenIds.has(e.id)) return;
    seenIds.add(e.id);
    if (seenIds.size > 5000) seenIds.delete(seenIds.values().next().value);
  }
  if (e.type === "session_summary" && !snapshot && config.trend) setTimeout(loadTrend, 2000);
  const handler = EVENT_HANDLERS[e.type];
  if (handler) handler(v, e, snapshot);
  if (e.type.startsWith("routine_")) foldRoutine(v, e);
  const line = describe(e);
  if (line) {
    v.log.unshift({ t: e.t, text: line });
    v.log.length = Math.min(v.log.length, LOG_LINES);
  }
}

const EVENT_HANDLERS = {
  angle(v, e) { v.angle = e; },
  hold_started(v, e) {
    v.hold = { exercise: e.exercise, side: e.side, elapsed_s: 0, target_s: e.target_s };
  },
  hold_tick(v, e) {
    v.hold = { exercise: e.exercise, side: e.side, elapsed_s: e.elapsed_s, target_s: e.target_s };
  },
  hold_ended(v, e) {
    v.lastHold = { exercise: e.exercise, side: e.side, elapsed_s: e.duration_s,
                   target_s: e.target_s, completed: e.completed, reason: e.reason };
    v.hold = null;
  },
  rep(v, e) {
    if (v.setEnded && v.setEnded.exercise === e.exercise) v.setEnded = null;
    v.rep = { exercise: e.exercise, index: e.index, side: e.side };
  },
  set_ended(v, e) {
    v.setsDone[e.exercise] = (v.setsDone[e.exercise] || 0) + 1;
    v.setEnded = { exercise: e.exercise, count: e.count };
  },
  flexion_alert(v, e, snapshot) {
    const ageS = v.angle ? v.angle.t - e.t : 0;
    if (!snapshot || ageS < 10) raiseAlert(v, e, !snapshot);
  },
  sensor_status(v, e) {
    if (e.status === "connected") v.link = "online";
    if (e.status === "disconnected") v.link = "offline";
    if (e.status === "battery" && e.battery_pct != null) {
      v.state = { ...(v.state || {}), battery_pct: e.battery_pct };
    }
  },
  posture(v, e) { v.state = { ...(v.state || {}), posture: e.posture }; },
  calibrated(v, e) { v.state = { ...(v.state || {}), calibrated: e.stage === "complete" }; },
};

const POSTURE_WORDS = {
  upright: "upright", supine: "lying on the back", prone: "lying face down",
  side_left: "lying on the left side", side_right: "lying on the right side",
  quadruped: "on hands and knees", unknown: "not known yet",
};

function fmtS(s) { return `${Math.round(s)} s`; }
function pretty(name) { return name ? String(name).replaceAll("_", " ") : "–"; }

function describe(e) {
  switch (e.type) {
    case "hold_started": return `${pretty(e.exercise)} hold started (target ${fmtS(e.target_s)})`;
    case "hold_ended":
      return `${pretty(e.exercise)} held ${fmtS(e.duration_s)}` +
        (e.completed ? ": target reached" : `: stopped (${pretty(e.reason)})`);
    case "rep": return `${pretty(e.exercise)} rep ${e.index}` + (e.side ? ` (${e.side})` : "");
    case "set_ended": return `${pretty(e.exercise)}: set of ${e.count} done`;
    case "flexion": return `forward bend to ${Math.round(e.depth_deg)}°`;
    case "flexion_alert": return alertText(e);
    case "posture": return `now ${POSTURE_WORDS[e.posture] || pretty(e.posture)}`;
    case "calibrated": return e.stage === "complete" ? "calibrated" : "learned up; bend forward once";
    case "sensor_status": return `sensor ${e.status}` + (e.detail ? `: ${e.detail}` : "");
    case "session_summary": return `session ended after ${fmtS(e.duration_s)}`;
    case "routine_step": return `now ${who(e.exercise, e.side)}: ${routineTarget(e)}`;
    case "routine_progress": return `${who(e.exercise, e.side)}: ${e.message}`;
    case "routine_rest": return `rest ${Math.round(e.rest_s)} s, then ${who(e.next_exercise, e.next_side)}`;
    case "routine_ended": return "routine finished";
    default: return e.type.startsWith("routine_") ? pretty(e.type) : null;
  }
}

function alertText(e) {
  if (e.reason === "repeated") {
    return `${e.count} forward bends deeper than ${Math.round(e.threshold_deg)}° within ` +
      `${Math.round(e.window_s)} s: stand up straight and take a break`;
  }
  return `Bent beyond ${Math.round(e.threshold_deg)}° for ${Math.round(e.window_s)} s: ` +
    "straighten up";
}

// --- alerts and sound --------------------------------------------------------------------

function raiseAlert(v, e, live) {
  $("alert-text").textContent = `${v.id}: ${alertText(e)}`;
  $("alert").hidden = false;
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => { $("alert").hidden = true; }, ALERT_SHOW_MS);
  if (live && soundOn) beep();
}

function beep() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.25, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    osc.connect(gain).connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.6);
  } catch (err) { /* no audio device: the banner is enough */ }
}

function drawSoundToggle() {
  const b = $("sound-toggle");
  b.textContent = soundOn ? "Sound on" : "Sound off";
  b.setAttribute("aria-pressed", String(soundOn));
}

// --- drawing -----------------------------------------------------------------------------

function setPill(el, text, cls) {
  el.textContent = text;
  el.className = `pill ${cls || ""}`;
}

function zoneOf(deg) {
  if (deg == null) return null;
  if (deg <= config.zones.neutral_max_deg) return "neutral";
  if (deg <= config.zones.moderate_max_deg) return "moderate";
  return "severe";
}

function drawConnection() {
  const el = $("connection");
  if (!streamUp) setPill(el, "display offline", "pill-bad");
  else if (serviceStatus === "online") setPill(el, "service online", "pill-ok");
  else if (serviceStatus === "offline") setPill(el, "service offline", "pill-bad");
  else setPill(el, "waiting for the service", "pill-wait");
}

function drawOverview() {
  const list = $("sensor-list");
  $("no-sensors").hidden = sensors.size > 0;
  list.replaceChildren(...[...sensors.values()].map((v) => {
    const a = document.createElement("a");
    a.className = "card";
    a.href = `/sensor/${encodeURIComponent(v.id)}`;
    a.dataset.sensor = v.id;
    const flex = v.angle && v.angle.flexion_deg != null ? `${Math.round(v.angle.flexion_deg)}°` : "–";
    const hold = v.hold ? `holding ${Math.round(v.hold.elapsed_s)} / ${Math.round(v.hold.target_s)} s` : "";
    const reps = v.rep ? `${pretty(v.rep.exercise)}: ${v.rep.index} reps` : "";
    a.innerHTML = "<h2></h2><div class='big'></div><p class='label'></p><p class='muted'></p>";
    a.children[0].textContent = v.id;
    a.children[1].textContent = flex;
    a.children[2].textContent = hold || reps || pretty(v.state && v.state.posture);
    a.children[3].textContent = `link ${v.link}`;
    return a;
  }));
}

function drawSensor(id) {
  const v = sensorView(id);
  const s = v.state || {};
  $("sensor-name").textContent = id;
  setPill($("link"), `link ${v.link}`, v.link === "online" ? "pill-ok" : v.link === "offline" ? "pill-bad" : "pill-wait");
  setPill($("battery"), s.battery_pct != null ? `battery ${s.battery_pct} %` : "battery ?",
    s.battery_pct != null && s.battery_pct < 15 ? "pill-bad" : "");
  setPill($("posture"), POSTURE_WORDS[s.posture || "unknown"] || pretty(s.posture));
  setPill($("calibration"), s.calibrated ? "calibrated" : "not calibrated yet",
    s.calibrated ? "pill-ok" : "pill-wait");
  drawHold(v);
  drawReps(v);
  drawGauge(v);
  drawRoutine(v);
  $("event-log").replaceChildren(...v.log.map((l) => {
    const li = document.createElement("li");
    li.textContent = `${Math.round(l.t)} s  ${l.text}`;
    return li;
  }));
}

function drawHold(v) {
  const h = v.hold || v.lastHold;
  const panel = $("hold-panel");
  if (!h) {
    $("hold-seconds").textContent = "0";
    $("hold-target").textContent = "–";
    $("hold-ring").style.strokeDasharray = `0 ${RING_LENGTH}`;
    return;
  }
  const frac = Math.max(0, Math.min(1, h.elapsed_s / h.target_s));
  $("hold-ring").style.strokeDasharray = `${frac * RING_LENGTH} ${RING_LENGTH}`;
  $("hold-seconds").textContent = String(Math.floor(h.elapsed_s));
  $("hold-target").textContent = String(Math.round(h.target_s));
  panel.classList.toggle("ring-done", frac >= 1);
  const who = pretty(h.exercise) + (h.side ? ` (${h.side})` : "");
  $("hold-label").textContent = v.hold ? `${who}: hold it` :
    `${who}: ${h.completed ? "target reached" : "ended"} after ${fmtS(h.elapsed_s)}`;
}

function drawReps(v) {
  if (!v.rep) return;
  $("rep-count").textContent = String(v.rep.index);
  $("rep-exercise").textContent = pretty(v.rep.exercise);
  $("rep-side").textContent = v.rep.side ? `(${v.rep.side})` : "";
  const done = v.setsDone[v.rep.exercise] || 0;
  const ended = v.setEnded && v.setEnded.exercise === v.rep.exercise;
  $("set-number").textContent = String(ended ? done : done + 1);
  $("set-state").textContent = ended ? "done" : "";
}

function arc(fromDeg, toDeg) {
  // Gauge angle a (GAUGE_MIN..GAUGE_MAX) -> a point on a half circle, left to right.
  const pt = (a) => {
    const f = (a - GAUGE_MIN) / (GAUGE_MAX - GAUGE_MIN);
    const th = Math.PI * (1 - f);
    return [100 + 80 * Math.cos(th), 100 - 80 * Math.sin(th)];
  };
  const [x0, y0] = pt(fromDeg), [x1, y1] = pt(toDeg);
  return `M ${x0.toFixed(1)} ${y0.toFixed(1)} A 80 80 0 0 1 ${x1.toFixed(1)} ${y1.toFixed(1)}`;
}

function drawGaugeZones() {
  const z = config.zones;
  $("zone-neutral").setAttribute("d", arc(GAUGE_MIN, z.neutral_max_deg));
  $("zone-moderate").setAttribute("d", arc(z.neutral_max_deg, z.moderate_max_deg));
  $("zone-severe").setAttribute("d", arc(z.moderate_max_deg, GAUGE_MAX));
}

function drawGauge(v) {
  const deg = v.angle ? v.angle.flexion_deg : null;
  if (deg == null) {
    $("flexion-value").textContent = "–";
    $("flexion-zone").textContent = v.angle ? "calibrating: stand still, then bend forward once"
      : "waiting for angles";
    return;
  }
  const shown = Math.max(GAUGE_MIN, Math.min(GAUGE_MAX, deg));
  const rot = ((shown - GAUGE_MIN) / (GAUGE_MAX - GAUGE_MIN)) * 180 - 90;
  $("gauge-needle").style.transform = `rotate(${rot}deg)`;
  $("flexion-value").textContent = `${Math.round(deg)}°`;
  const zone = zoneOf(deg);
  $("flexion-zone").textContent = { neutral: "neutral: fine", moderate: "moderate bend",
    severe: "deep bend" }[zone];
  $("flexion-zone").className = `label zone-text-${zone}`;
}

let drawPending = false;
function draw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawConnection();
    const id = route();
    $("overview").hidden = id !== null;
    $("sensor").hidden = id === null;
    if (id === null) drawOverview(); else drawSensor(id);
  });
}

// --- commands ----------------------------------------------------------------------------

// Each command carries a request_id that the service's reply echoes (docs/mqtt.md). The
// reply can come over the event stream before the POST itself returns: whichever is last
// must not overwrite the answer.
const answered = new Set();
let requestCount = 0;

async function send(command, body) {
  const id = route();
  const requestId = `web-${Date.now().toString(36)}-${++requestCount}`;
  const fb = $("cmd-feedback");
  fb.textContent = `${command}: sending…`;
  try {
    const r = await fetch(`/api/sensors/${encodeURIComponent(id)}/cmd/${command}`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, request_id: requestId }),
    });
    const doc = await r.json();
    if (answered.has(requestId)) return;
    fb.textContent = doc.ok ? `${command}: sent, waiting for the answer` : `${command}: ${doc.error}`;
  } catch (err) {
    fb.textContent = `${command}: could not reach the display server`;
  }
}

function showReply(r) {
  if (r.request_id) answered.add(r.request_id);
  $("cmd-feedback").textContent = r.ok ? `${r.command}: done` : `${r.command}: ${r.error}`;
}

function wireCommands() {
  $("cmd-calibrate").addEventListener("click", () => send("calibrate", {}));
  $("cmd-exercise").addEventListener("click", () => {
    const value = $("exercise-select").value;
    send("exercise", { exercise: value === "" ? null : value });
  });
  $("cmd-hold-target").addEventListener("click", () => {
    send("hold_target", { seconds: Number($("hold-target-input").value) });
  });
  $("sound-toggle").addEventListener("click", () => {
    soundOn = !soundOn;
    localStorage.setItem("holdfast.sound", soundOn ? "on" : "off");
    drawSoundToggle();
  });
  $("alert-dismiss").addEventListener("click", () => { $("alert").hidden = true; });
}

// --- start -------------------------------------------------------------------------------

async function loadConfig() {
  try {
    const doc = await (await fetch("/api/config")).json();
    Object.assign(config, doc);
  } catch (err) { /* defaults above */ }
  const select = $("exercise-select");
  for (const name of config.exercises) {
    const o = document.createElement("option");
    o.value = name; o.textContent = pretty(name);
    select.append(o);
  }
  drawGaugeZones();
  if (config.trend) { $("trend-panel").hidden = false; loadTrend(); }
}

// The trend comes from the history database: fetched again a little after a session ends
// (the history recorder stores it as it arrives over the broker).
function loadTrend() { $("trend-plot").src = `/trend.png?t=${Date.now()}`; }

function connect() {
  const es = new EventSource("/events");
  es.addEventListener("hello", () => { streamUp = true; draw(); });
  es.onmessage = (msg) => {
    try { onMessage(JSON.parse(msg.data)); } catch (err) { console.error(err); }
    draw();
  };
  es.onerror = () => { streamUp = false; draw(); };   // EventSource reconnects by itself
}

wireCommands();
drawSoundToggle();
loadConfig().then(() => { connect(); draw(); });
