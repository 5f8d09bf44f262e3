// The alerts panel: polls /api/alerts once a second and lists the active alerts (raised within
// the last few minutes, the latest per operator, series and rule) and the newest recent ones. A module of
// its own beside app.js, so the panel and the rest of the page change independently.

const $ = (id) => document.getElementById(id);
/** Recent alerts listed (the API gives more). */
const RECENT_SHOWN = 20;

function num(v) {
  if (v === undefined || v === null) return "-";
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

function rows(tbody, alerts, cls) {
  tbody.replaceChildren(
    ...alerts.map((a) => {
      const tr = document.createElement("tr");
      if (cls) tr.className = cls;
      tr.dataset.rule = a.rule;
      tr.dataset.series = a.series;
      const cells = [
        new Date(a.time).toISOString(),
        a.rule,
        a.series,
        a.kind,
        num(a.value),
        num(a.expected),
        num(a.score),
        `${a.operator}[${a.subtask}]`,
        new Date(a.raisedAt).toLocaleTimeString(),
      ];
      for (const c of cells) {
        const td = document.createElement("td");
        td.textContent = c;
        tr.append(td);
      }
      return tr;
    }),
  );
}

async function refreshAlerts() {
  const r = await fetch("/api/alerts", { cache: "no-store" });
  if (!r.ok) throw new Error(`/api/alerts: ${r.status}`);
  const v = await r.json();
  const minutes = Math.round(v.activeForMs / 60_000);
  $("alerts-counts").textContent =
    `${v.active.length} active (raised in the last ${minutes} min), ${v.total} raised` +
    (v.missed > 0 ? `, ${v.missed} raised too fast to be shown` : "");
  rows($("alerts-active").querySelector("tbody"), v.active, "active");
  rows($("alerts-recent").querySelector("tbody"), v.recent.slice(0, RECENT_SHOWN), "");
  $("alerts-section").dataset.total = String(v.total);
}

async function loop() {
  try {
    await refreshAlerts();
  } catch (e) {
    $("alerts-counts").textContent = `cannot read the alerts: ${e.message}`;
  }
  setTimeout(loop, 1000);
}
loop();
