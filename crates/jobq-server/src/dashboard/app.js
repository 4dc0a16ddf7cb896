// The jobq dashboard: reads the /v1 API every two seconds and draws what it finds.
// Plain JavaScript, no build step; every value from the server goes into the page as text.
"use strict";

const STATES = ["queued", "running", "done", "failed", "cancelled"];
const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem("jobq-token") || "";
let openJobId = null;
let lastSummary = {};

// An element with attributes and children (strings become text nodes).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) throw new Unauthorized();
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  return body;
}

const seg = (id) => encodeURIComponent(id);

function ago(iso) {
  const secs = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (secs < 5) return "just now";
  if (secs < 60) return `${Math.floor(secs)}s ago`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m ago`;
  if (secs < 86400) return `${Math.floor(secs / 3600)}h ago`;
  return `${Math.floor(secs / 86400)}d ago`;
}

function when(iso) {
  const d = new Date(iso);
  return `${d.toLocaleString()} (${ago(iso)})`;
}

const pill = (state) => h("span", { class: `pill p-${state}` }, state);
const jobLink = (id) => h("span", { class: "jobid", title: id }, id);
const payloadText = (job) =>
  job.payload !== undefined ? job.payload : `base64: ${job.payload_base64}`;

function toast(text, bad = false) {
  const el = $("toast");
  el.textContent = text;
  el.className = bad ? "toast bad" : "toast";
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 3500);
}

function setLive(ok, text) {
  $("live-dot").className = ok ? "dot ok" : "dot bad";
  $("live-text").textContent = text;
}

function renderSummary(stats, throughput) {
  const totals = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const counts of Object.values(stats.queues)) for (const s of STATES) totals[s] += counts[s];
  for (const s of STATES) {
    const el = $(`sum-${s}`);
    if (lastSummary[s] !== undefined && lastSummary[s] !== totals[s]) {
      el.parentElement.classList.remove("flash");
      void el.parentElement.offsetWidth;
      el.parentElement.classList.add("flash");
    }
    el.textContent = totals[s].toLocaleString();
  }
  lastSummary = totals;
  // Completed per minute over the last five minutes.
  const recent = throughput.buckets.slice(-(300 / throughput.bucket_secs));
  const done = recent.reduce((n, b) => n + b.completed, 0);
  $("sum-rate").textContent = (done / 5).toLocaleString(undefined, { maximumFractionDigits: 1 });
}

function renderQueues(stats) {
  const body = document.querySelector("#queues tbody");
  const names = Object.keys(stats.queues).sort();
  $("queues-empty").hidden = names.length > 0;
  body.replaceChildren(...names.map((name) => {
    const counts = stats.queues[name];
    const total = STATES.reduce((n, s) => n + counts[s], 0) || 1;
    const bar = h("div", { class: "bar", title: STATES.map((s) => `${s} ${counts[s]}`).join(", ") },
      STATES.filter((s) => counts[s] > 0).map((s) =>
        h("span", { class: `b-${s}`, style: `width:${(100 * counts[s]) / total}%` })));
    return h("tr", { "data-queue": name },
      h("td", { class: "qname" }, name),
      STATES.map((s) => h("td", { class: counts[s] ? "num" : "num zero", "data-state": s }, counts[s].toLocaleString())),
      h("td", {}, bar));
  }));
}

function renderChart(throughput) {
  const svg = $("chart");
  const ns = "http://www.w3.org/2000/svg";
  const el = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const buckets = throughput.buckets;
  const W = 900, H = 220, left = 36, right = 8, top = 10, bottom = 24;
  const max = Math.max(4, ...buckets.map((b) => Math.max(b.submitted, b.completed + b.failed)));
  // Four grid steps of a round whole number: 1, 2 or 5 times a power of ten.
  const raw = Math.ceil(max / 4);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const tick = [1, 2, 5, 10].map((m) => m * power).find((t) => t >= raw);
  const ceiling = tick * 4;
  const x = (i) => left + ((W - left - right) * i) / buckets.length;
  const y = (v) => top + (H - top - bottom) * (1 - v / ceiling);
  const nodes = [];
  for (let i = 0; i <= 4; i++) {
    const v = (ceiling * i) / 4;
    nodes.push(el("line", { class: "grid-line", x1: left, x2: W - right, y1: y(v), y2: y(v) }));
    nodes.push(el("text", { class: "axis", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, Math.round(v)));
  }
  const width = Math.max(1, (W - left - right) / buckets.length - 2);
  buckets.forEach((b, i) => {
    const label = `${new Date(b.at).toLocaleTimeString()}: ${b.submitted} submitted, ${b.completed} completed, ${b.failed} failed`;
    if (b.completed) {
      const bar = el("rect", { class: "bar-done", x: x(i) + 1, width, y: y(b.completed), height: y(0) - y(b.completed), rx: 2 });
      bar.append(el("title", {}, label));
      nodes.push(bar);
    }
    if (b.failed) {
      const bar = el("rect", { class: "bar-failed", x: x(i) + 1, width, y: y(b.completed + b.failed), height: y(b.completed) - y(b.completed + b.failed), rx: 2 });
      bar.append(el("title", {}, label));
      nodes.push(bar);
    }
  });
  const points = buckets.map((b, i) => `${x(i) + width / 2 + 1},${y(b.submitted)}`);
  nodes.push(el("polygon", { class: "area-submitted", points: `${x(0) + 1},${y(0)} ${points.join(" ")} ${x(buckets.length - 1) + width + 1},${y(0)}` }));
  nodes.push(el("polyline", { class: "line-submitted", points: points.join(" ") }));
  const minutes = (buckets.length * throughput.bucket_secs) / 60;
  for (const m of [minutes, (minutes * 2) / 3, minutes / 3, 0]) {
    const i = buckets.length - (m * 60) / throughput.bucket_secs;
    nodes.push(el("text", { class: "axis", x: Math.min(x(i), W - right - 14), y: H - 6, "text-anchor": "middle" }, m ? `-${Math.round(m)}m` : "now"));
  }
  svg.replaceChildren(...nodes);
  for (const key of ["submitted", "completed", "failed"]) {
    $(`tp-${key}`).textContent = buckets.reduce((n, b) => n + b[key], 0).toLocaleString();
  }
}

async function resubmit(id, button) {
  if (button) button.disabled = true;
  try {
    await api(`/v1/jobs/${seg(id)}/resubmit`, { method: "POST" });
    toast(`Resubmitted ${id}`);
  } catch (e) {
    toast(`Could not resubmit ${id}: ${e.message}`, true);
  }
  await refresh();
}

function renderFailed(jobs) {
  const body = document.querySelector("#failed tbody");
  $("failed-count").textContent = jobs.length === 50 ? "50+" : jobs.length;
  $("failed-count").classList.toggle("some", jobs.length > 0);
  $("failed-empty").hidden = jobs.length > 0;
  $("resubmit-all").hidden = jobs.length < 2;
  body.replaceChildren(...jobs.map((job) =>
    h("tr", { class: "click", "data-id": job.id, onclick: () => openJob(job.id) },
      h("td", {}, jobLink(job.id)),
      h("td", {}, job.queue),
      h("td", { class: "num" }, `${job.attempts}/${job.max_attempts}`),
      h("td", {}, h("span", { class: "err", title: job.last_error || "" }, job.last_error || "")),
      h("td", { title: job.updated_at }, ago(job.updated_at)),
      h("td", { class: "num" }, h("button", {
        class: "resubmit",
        onclick: (e) => { e.stopPropagation(); resubmit(job.id, e.currentTarget); },
      }, "Resubmit")))));
}

function renderRecent(jobs) {
  $("recent-empty").hidden = jobs.length > 0;
  document.querySelector("#recent tbody").replaceChildren(...jobs.map((job) =>
    h("tr", { class: "click", "data-id": job.id, onclick: () => openJob(job.id) },
      h("td", {}, jobLink(job.id)),
      h("td", {}, job.queue),
      h("td", {}, pill(job.state)),
      h("td", { class: "num" }, `${job.attempts}/${job.max_attempts}`),
      h("td", {}, h("span", { class: "payload" }, payloadText(job))),
      h("td", { title: job.updated_at }, ago(job.updated_at)))));
}

const EVENT_WORDS = {
  submitted: "Submitted", taken: "Taken", completed: "Completed", failed: "Attempt failed",
  lease_expired: "Lease expired", resubmitted: "Resubmitted", cancelled: "Cancelled",
};

function renderJob(job) {
  $("job-id").textContent = job.id;
  const facts = [
    ["state", pill(job.state)], ["queue", job.queue], ["attempts", `${job.attempts} of ${job.max_attempts}`],
    ["priority", job.priority], ["run at", when(job.run_at)], ["submitted", when(job.created_at)],
    ["updated", when(job.updated_at)],
  ];
  if (job.worker) facts.push(["worker", job.worker]);
  if (job.lease_until) facts.push(["lease until", when(job.lease_until)]);
  const actions = [];
  if (job.state === "failed" || job.state === "cancelled") {
    actions.push(h("button", { class: "resubmit", onclick: (e) => resubmit(job.id, e.currentTarget) }, "Resubmit"));
  }
  if (job.state === "queued") {
    actions.push(h("button", {
      class: "danger",
      onclick: async (e) => {
        e.currentTarget.disabled = true;
        try { await api(`/v1/jobs/${seg(job.id)}/cancel`, { method: "POST" }); toast(`Cancelled ${job.id}`); }
        catch (err) { toast(`Could not cancel: ${err.message}`, true); }
        await refresh();
      },
    }, "Cancel"));
  }
  $("job-body").replaceChildren(...[
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    actions.length ? h("div", { class: "actions" }, actions) : null,
    job.last_error ? [h("h3", {}, "Last error"), h("pre", { class: "box err-box" }, job.last_error)] : null,
    h("h3", {}, "Payload"),
    h("pre", { class: "box" }, payloadText(job)),
    h("h3", {}, "History"),
    h("ol", { class: "timeline", id: "history" }, (job.history || []).map((ev) =>
      h("li", { class: `t-${ev.state}`, "data-kind": ev.kind },
        h("div", { class: "what" }, `${EVENT_WORDS[ev.kind] || ev.kind} `, h("span", { class: "muted" }, `→ ${ev.state}`)),
        h("div", { class: "when" }, [when(ev.at), ev.attempt ? ` · attempt ${ev.attempt}` : "", ev.worker ? ` · ${ev.worker}` : ""].join("")),
        ev.error ? h("div", { class: "err" }, ev.error) : null))),
  ].flat().filter(Boolean));
}

async function openJob(id) {
  openJobId = id;
  $("job").hidden = false;
  try {
    renderJob(await api(`/v1/jobs/${seg(id)}`));
  } catch (e) {
    if (e instanceof Unauthorized) return needToken();
    $("job-id").textContent = id;
    $("job-body").replaceChildren(h("p", { class: "empty" }, e.message));
  }
}

function needToken() {
  $("token-panel").hidden = false;
  setLive(false, "needs a token");
}

async function refresh() {
  const state = $("recent-state").value;
  try {
    const [stats, throughput, failed, recent] = await Promise.all([
      api("/v1/stats"),
      api("/v1/throughput?minutes=15"),
      api("/v1/jobs?state=failed&limit=50"),
      api(`/v1/jobs?limit=15${state ? `&state=${state}` : ""}`),
    ]);
    $("token-panel").hidden = true;
    renderSummary(stats, throughput);
    renderQueues(stats);
    renderChart(throughput);
    renderFailed(failed.jobs);
    renderRecent(recent.jobs);
    if (openJobId && !$("job").hidden) renderJob(await api(`/v1/jobs/${seg(openJobId)}`));
    setLive(true, `live · ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    if (e instanceof Unauthorized) needToken();
    else setLive(false, `cannot reach the server (${e.message})`);
  }
}

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  token = $("token-input").value.trim();
  localStorage.setItem("jobq-token", token);
  refresh();
});
$("find").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("find-id").value.trim();
  if (id) openJob(id);
});
$("job-close").addEventListener("click", () => { $("job").hidden = true; openJobId = null; });
document.addEventListener("keydown", (e) => { if (e.key === "Escape") $("job-close").click(); });
$("recent-state").addEventListener("change", refresh);
$("resubmit-all").addEventListener("click", async (e) => {
  e.currentTarget.disabled = true;
  try {
    const answer = await api("/v1/resubmit", { method: "POST", body: JSON.stringify({ state: "failed" }) });
    toast(`Resubmitted ${answer.resubmitted} failed jobs`);
  } catch (err) {
    toast(`Could not resubmit: ${err.message}`, true);
  }
  e.currentTarget.disabled = false;
  refresh();
});

refresh();
setInterval(refresh, REFRESH_MS);
