// The dashboard page: polls the JSON API once a second and draws it. Plain ES module, no build
// step; uPlot is served by the dashboard from its npm package (no CDN). The graph's layout comes
// from the server (/api/graph gives each operator's box), so this file only draws.
import uPlot from "/vendor/uPlot.esm.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

/** GETs an API path as JSON. */
async function get(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

function fmtRate(v) {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(v < 10 ? 1 : 0);
}
function fmtMs(ms) {
  if (ms === null || ms === undefined) return "-";
  if (Math.abs(ms) >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}
function fmtBytes(b) {
  if (b === undefined || b === null) return "-";
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}
function pct(share) {
  const p = share * 100;
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}
function fmtTime(ms) {
  return new Date(ms).toLocaleTimeString();
}
function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}
function fillRows(table, rows) {
  const body = table.querySelector("tbody");
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = el("tr");
      for (const c of cells) {
        const td = el("td", c.cls ? { class: c.cls } : {}, c.text ?? String(c));
        tr.append(td);
      }
      return tr;
    }),
  );
}

// The graph: drawn once, then its labels and colours updated in place.
let graphShape = "";
function drawGraph(g) {
  $("graph-note").textContent = g.edgesKnown
    ? ""
    : "The job's graph is not known here (a deployment without a plan): operators only, without edges.";
  const shape = JSON.stringify([
    g.nodes.map((n) => [n.id, n.x, n.y]),
    g.edges.map((e) => [e.source, e.target]),
  ]);
  if (shape !== graphShape) {
    graphShape = shape;
    const root = svg("svg", { width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}` });
    const defs = svg("defs");
    const marker = svg("marker", {
      id: "arrow",
      viewBox: "0 0 10 10",
      refX: 10,
      refY: 5,
      markerWidth: 8,
      markerHeight: 8,
      orient: "auto-start-reverse",
    });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#5a6270" }));
    defs.append(marker);
    root.append(defs);
    for (const e of g.edges) {
      if (e.points.length < 2) continue;
      const [[x1, y1], [x2, y2]] = e.points;
      const mx = (x1 + x2) / 2;
      root.append(svg("path", { class: "edge", d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}` }));
      root.append(
        svg(
          "text",
          { class: "edge-label", x: mx, y: (y1 + y2) / 2 - 4, "text-anchor": "middle" },
          e.partitioner.toUpperCase(),
        ),
      );
    }
    for (const n of g.nodes) {
      const grp = svg("g", {
        class: "node OK",
        "data-operator": n.uid,
        transform: `translate(${n.x},${n.y})`,
      });
      grp.append(svg("rect", { width: g.nodeWidth, height: g.nodeHeight }));
      const name = n.name.length > 28 ? `${n.name.slice(0, 27)}…` : n.name;
      grp.append(svg("text", { class: "name", x: 8, y: 17 }, name));
      grp.append(
        svg("title", {}, `${n.name} (${n.kind}, uid ${n.uid})${n.description ? `: ${n.description}` : ""}`),
      );
      grp.append(svg("text", { class: "par", x: 8, y: 33 }, ""));
      grp.append(svg("text", { class: "rates", x: 8, y: 49 }, ""));
      grp.append(svg("text", { class: "time", x: 8, y: 65 }, ""));
      grp.append(svg("text", { class: "owners", x: 8, y: 81 }, ""));
      root.append(grp);
    }
    $("graph").replaceChildren(root);
  }
  for (const n of g.nodes) {
    const grp = $("graph").querySelector(`g[data-operator="${CSS.escape(n.uid)}"]`);
    if (!grp) continue;
    grp.setAttribute("class", `node ${n.backpressureLevel}`);
    grp.querySelector(".par").textContent = `p=${n.parallelism}${n.keyed ? ", keyed" : ""} · ${n.kind}`;
    grp.querySelector(".rates").textContent =
      `in ${fmtRate(n.recordsInPerSecond)}/s · out ${fmtRate(n.recordsOutPerSecond)}/s`;
    grp.querySelector(".time").textContent = `busy ${pct(n.busy)} · backpressured ${pct(n.backpressured)}`;
  }
}

// --group jobs: under each operator, which process runs each of its subtasks (units).
function drawOwners(g, group) {
  const byOperator = new Map();
  for (const a of group.assignments ?? [])
    for (const uid of a.operators) {
      const list = byOperator.get(uid) ?? [];
      list.push(a);
      byOperator.set(uid, list);
    }
  for (const n of g.nodes) {
    const t = $("graph").querySelector(`g[data-operator="${CSS.escape(n.uid)}"] .owners`);
    if (!t) continue;
    const units = (byOperator.get(n.uid) ?? []).sort((a, b) => a.subtask - b.subtask);
    t.textContent = units.length
      ? units.map((a) => `#${a.subtask} ${a.here ? "here" : shortOwner(a.owner)}`).join(" · ")
      : "";
    t.dataset.units = units.map((a) => `${a.subtask}:${a.here ? "here" : (a.owner ?? "?")}`).join(",");
  }
}
// A fleuve member's client id ends with <host>-<pid>; the pid tells processes apart.
function shortOwner(owner) {
  if (!owner) return "unassigned";
  const m = /-(\d+)$/.exec(owner);
  return m ? `pid ${m[1]}` : owner;
}

// Charts: created on the first data, then fed with setData.
const charts = {};
function chart(id, series, data) {
  const target = $(id);
  if (!charts[id]) {
    charts[id] = new uPlot(
      {
        width: Math.max(300, target.clientWidth),
        height: 220,
        series: [{}, ...series],
        axes: [{}, { size: 60 }],
        scales: { x: { time: true } },
      },
      data,
      target,
    );
  } else charts[id].setData(data);
  target.dataset.points = String(data[0].length);
  target.dataset.last = String(data[1][data[1].length - 1] ?? "");
}

async function refresh() {
  const [job, graph, metrics, wm, cps, exc, group] = await Promise.all([
    get("/api/job"),
    get("/api/graph"),
    get("/api/metrics"),
    get("/api/watermarks"),
    get("/api/checkpoints"),
    get("/api/exceptions"),
    get("/api/group"),
  ]);
  $("job-name").textContent = job.name;
  $("job-state").textContent = job.state;
  $("job-state").className = `state ${job.state}`;
  $("job-facts").textContent =
    `uptime ${fmtMs(job.uptimeMs)} · restarts ${job.restarts} · checkpoints ${job.checkpoints.completed} (${job.checkpoints.failed} failed)`;
  $("btn-savepoint").disabled = !job.controls.savepoint || busy;
  $("btn-stop").disabled = !job.controls.stop || busy;
  $("btn-cancel").disabled = !job.controls.cancel || busy;
  drawGraph(graph);
  if (group.group !== null) drawOwners(graph, group);
  const s = metrics.series;
  chart(
    "chart-throughput",
    [
      { label: "sources out", stroke: "#4a6fa5", width: 2 },
      { label: "sinks in", stroke: "#3a7d44", width: 2 },
    ],
    [s.t, s.sourceOut, s.sinkIn],
  );
  chart(
    "chart-latency",
    [
      { label: "markers p50", stroke: "#4a6fa5", width: 2 },
      { label: "markers p99", stroke: "#b3261e", width: 2 },
      { label: "end-to-end p50", stroke: "#3a7d44", width: 2 },
      { label: "end-to-end p99", stroke: "#c77c02", width: 2 },
    ],
    [s.t, s.latencyP50, s.latencyP99, s.endToEndP50, s.endToEndP99],
  );
  $("wm-note").textContent = wm.note;
  fillRows(
    $("watermarks"),
    wm.sources.map((w) => [
      w.operator,
      w.subtask,
      w.watermark === null
        ? "none yet"
        : w.watermark === "END"
          ? "end of input"
          : new Date(w.watermark).toISOString(),
      fmtMs(w.lagMs),
      {
        cls: "detail",
        text: Object.entries(w.splits)
          .map(
            ([id, f]) =>
              `${id}: ${Object.entries(f)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")}`,
          )
          .join("; "),
      },
    ]),
  );
  fillRows(
    $("partitions"),
    wm.partitions.map((p) => [
      p.operator,
      p.subtask,
      p.split,
      p.watermark === null ? "none yet" : new Date(p.watermark).toISOString(),
      fmtMs(p.lagMs),
      p.idle === null ? "-" : p.idle ? "idle" : "active",
      p.recordsLag ?? "-",
    ]),
  );
  $("cp-counts").textContent =
    `${cps.completed} completed, ${cps.failed} failed, ${cps.inProgress} in progress`;
  fillRows(
    $("checkpoints"),
    [...cps.history].reverse().map((c) => [
      c.id,
      c.kind,
      c.status + (c.merged ? " (several)" : ""),
      fmtTime(c.at),
      fmtMs(c.durationMs),
      fmtBytes(c.sizeBytes),
      {
        cls: "detail",
        text:
          c.path ??
          c.message ??
          c.subtasks.map((t) => `${t.task}[${t.subtask}] align ${fmtMs(t.alignmentMs)}`).join("; "),
      },
    ]),
  );
  const causes = Object.entries(exc.restartCauses ?? {}).map(([code, n]) => `${code} ${n}`);
  $("restarts").textContent = `${exc.restarts} restarts${causes.length ? ` (${causes.join(", ")})` : ""}`;
  drawExceptions([...exc.entries].reverse());
  if (group.group === null) $("group").textContent = group.reason;
  else {
    const lines = [
      `group ${group.group}: ${group.units.length} units; this process runs ${group.running.join(", ") || "none"}`,
    ];
    if (group.members)
      for (const m of group.members)
        lines.push(`${m.clientId} (${m.host}): ${m.units.join(", ") || "no units"}`);
    else if (group.membersError) lines.push(`the group's processes are unknown: ${group.membersError}`);
    $("group").replaceChildren(...lines.map((l) => el("div", {}, l)));
  }
}

// One row per entry: a restart says where it failed and when the job came back; the stack folds.
// Redrawn only when the entries change, and a stack the reader unfolded stays open.
let exceptionsShape = "";
const openStacks = new Set();
function drawExceptions(entries) {
  const shape = JSON.stringify(entries.map((e) => [e.at, e.kind, e.unit, e.restart]));
  if (shape === exceptionsShape) return;
  exceptionsShape = shape;
  const body = $("exceptions").querySelector("tbody");
  body.replaceChildren(
    ...entries.map((e) => {
      const tr = el("tr", { class: e.kind });
      tr.append(el("td", {}, fmtTime(e.at)));
      tr.append(el("td", {}, e.kind));
      const where = [e.unit && `unit ${e.unit}`, e.operator && `operator ${e.operator}`].filter(Boolean);
      tr.append(el("td", {}, where.join(", ") || "-"));
      const msg = el("td", { class: "detail" });
      msg.append(el("div", { class: "message" }, `${e.code ? `${e.code}: ` : ""}${e.message}`));
      if (e.restart !== undefined)
        msg.append(
          el(
            "div",
            { class: "reason" },
            `restart ${e.restart}: the job restarted from its latest checkpoint ${fmtMs(e.restartDelayMs)} after this failure`,
          ),
        );
      if (e.stack) {
        const key = `${e.at} ${e.kind} ${e.unit ?? ""} ${e.restart ?? ""}`;
        const d = el("details", openStacks.has(key) ? { open: "" } : {});
        d.addEventListener("toggle", () => (d.open ? openStacks.add(key) : openStacks.delete(key)));
        d.append(el("summary", {}, "stack"), el("pre", {}, e.stack));
        msg.append(d);
      }
      tr.append(msg);
      return tr;
    }),
  );
}

let busy = false;
async function control(path, what) {
  busy = true;
  $("control-result").textContent = `${what}…`;
  try {
    const r = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const body = await r.json();
    $("control-result").textContent = r.ok
      ? `${what}: ${body.path ?? body.state}`
      : `${what} failed (${r.status}): ${body.error}`;
  } catch (e) {
    $("control-result").textContent = `${what} failed: ${e.message}`;
  } finally {
    busy = false;
  }
}
$("btn-savepoint").addEventListener("click", () => control("/api/savepoints", "savepoint"));
$("btn-stop").addEventListener("click", () => {
  if (confirm("Take a savepoint and stop the job?")) control("/api/stop", "stop with savepoint");
});
$("btn-cancel").addEventListener("click", () => {
  if (confirm("Cancel the job (no savepoint)?")) control("/api/cancel", "cancel");
});

async function loop() {
  try {
    await refresh();
    document.body.dataset.loaded = "true";
  } catch (e) {
    $("control-result").textContent = `cannot reach the job: ${e.message}`;
  }
  setTimeout(loop, 1000);
}
loop();
