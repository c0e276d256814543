// holdfast web display: the routine panel (loaded before display.js, which calls these).
// Everything here comes from the routine_* events (docs/mqtt.md).
"use strict";

// Routine events (docs/mqtt.md, routine_*): the plan, what is on now, what follows, what
// is done. The panel stays hidden until a routine starts.
function who(exercise, side) {
  return exercise ? pretty(exercise) + (side ? ` (${side})` : "") : "–";
}

function routineTarget(e) {
  if (e.kind === "timed") return e.time_s ? `for ${Math.round(e.time_s)} s` : "until next";
  const what = e.kind === "holds" ? "holds" : "reps";
  return `${e.target} ${what}` + (e.hold_s ? `, ${Math.round(e.hold_s)} s each` : "");
}

function foldRoutine(v, e) {
  if (e.type === "routine_started" || !v.routine) {
    v.routine = { title: e.title || pretty(e.routine), now: "get ready", progress: "",
                  next: "–", done: [], ended: false };
  }
  const r = v.routine;
  switch (e.type) {
    case "routine_started":
      if (e.plan && e.plan.length) r.next = who(e.plan[0].exercise, e.plan[0].side);
      break;
    case "routine_step":
      r.now = `${who(e.exercise, e.side)}, set ${e.set} of ${e.sets}: ${routineTarget(e)}`;
      r.progress = "";
      r.next = who(e.next_exercise, e.next_side);
      break;
    case "routine_progress": r.progress = e.message; break;
    case "routine_set_ended":
      r.done.push(`${who(e.exercise, e.side)} set ${e.set}: ${e.done}` +
        (e.target != null ? ` of ${e.target}` : ""));
      break;
    case "routine_rest":
      r.now = `rest ${Math.round(e.rest_s)} s`; r.progress = "";
      r.next = who(e.next_exercise, e.next_side);
      break;
    case "routine_pain_asked": r.now = "how is your pain now (0-10)?"; r.next = "–"; break;
    case "routine_ended":
      r.ended = true; r.now = "routine finished"; r.progress = ""; r.next = "–";
      r.proposal = e.proposal ? `next time: ${pretty(e.proposal.routine)}` : "";
      break;
  }
}

function drawRoutine(v) {
  const r = v.routine;
  $("routine-panel").hidden = !r;
  if (!r) return;
  $("routine-title").textContent = r.title;
  $("routine-now").textContent = r.now;
  $("routine-progress").textContent = r.progress || (r.ended ? r.proposal || "" : "");
  $("routine-next").textContent = r.next;
  $("routine-done").replaceChildren(...r.done.map((d) => {
    const li = document.createElement("li");
    li.textContent = d;
    return li;
  }));
}

