// The taskgraph dashboard's page. It receives a snapshot, then frames (a few
// a second, whatever the task rate), then "done"; everything it draws is
// derived from those, so its work per second depends on the frame rate only.
// A report or a replay carries all its frames and adds a time scrubber.
"use strict";
(function () {
  const PALETTE = ["#4c9be8", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"];
  const NBINS = 480; // stream columns over the whole run
  const MAX_RECTS = 20000; // past this, the stream is drawn by occupancy only
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const svgEl = (tag, attrs) => {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  };

  let S = null; // the snapshot, kept current
  let shown = -1; // index of the frame on screen
  let follow = true; // show the newest frame as it comes
  let stream = null;
  let charts = null;
  window.tgStats = { frames: 0, painted: 0, state: "waiting" };

  const colour = (s) => PALETTE[s % PALETTE.length];

  function fmtDur(ms) {
    if (ms == null || !isFinite(ms)) return "–";
    if (ms === 0) return "0 s";
    if (ms < 0.001) return (ms * 1e6).toFixed(0) + " ns";
    if (ms < 1) return (ms * 1e3).toPrecision(3) + " µs";
    if (ms < 1000) return ms.toPrecision(3) + " ms";
    const s = ms / 1000;
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + " s";
    const m = Math.floor(s / 60);
    return m + " min " + Math.round(s - 60 * m) + " s";
  }
  function fmtNum(n) {
    if (n >= 1e6) return (n / 1e6).toPrecision(3) + "M";
    if (n >= 1e4) return (n / 1e3).toPrecision(3) + "k";
    return String(Math.round(n));
  }
  const fmtNs = (ns) => fmtDur(ns / 1e6);

  // ---- the task stream: bounded bins over the whole run, rectangles while sparse
  function newStream(workers) {
    const bins = [];
    for (let w = 0; w < workers; w++) bins.push(new Array(NBINS).fill(null));
    return { binMs: 10, bins, rects: bins.map(() => []), nrects: 0, rectsOk: true, tEnd: 0 };
  }
  function widen(st, t) {
    while (t > st.binMs * NBINS) {
      for (const row of st.bins) {
        for (let i = 0; i < NBINS; i++) {
          const a = row[2 * i], b = row[2 * i + 1];
          row[i] = i < NBINS / 2 ? mergeBin(a, b) : null;
        }
      }
      st.binMs *= 2;
    }
  }
  function mergeBin(a, b) {
    if (!a) return b || null;
    if (!b) return a;
    const m = Object.assign({}, a);
    for (const k in b) m[k] = (m[k] || 0) + b[k];
    return m;
  }
  function addBusy(row, st, stage, t0, t1, density) {
    // spreads busy time over [t0, t1) at density (busy ms per ms)
    if (density === undefined) density = 1;
    let b = Math.max(0, Math.floor(t0 / st.binMs));
    for (; b < NBINS && b * st.binMs < t1; b++) {
      const lo = Math.max(t0, b * st.binMs), hi = Math.min(t1, (b + 1) * st.binMs);
      if (hi <= lo) continue;
      const bin = row[b] || (row[b] = {});
      bin[stage] = (bin[stage] || 0) + (hi - lo) * density;
    }
  }
  function streamAdd(st, fr) {
    widen(st, fr.t);
    st.tEnd = fr.t;
    fr.workers.forEach((w, k) => {
      const row = st.bins[k];
      if (!row) return;
      if (w.rects && (w.rects.length > 0 || !w.occ)) {
        for (const r of w.rects) {
          addBusy(row, st, r[0], r[1], r[1] + r[2]);
          if (st.rectsOk) st.rects[k].push(r);
        }
        st.nrects += w.rects.length;
      } else if (w.occ) {
        st.rectsOk = false;
        // Busy time is counted when tasks end: spread it evenly over the
        // frame's span, or further back when there is more of it than the
        // span (a long task fills the time it ran).
        let busy = 0;
        for (const o of w.occ) busy += o[1];
        const t0 = fr.t - Math.max(fr.span_ms, busy);
        for (const o of w.occ) addBusy(row, st, o[0], t0, fr.t, o[1] / Math.max(fr.t - t0, 1e-9));
      }
    });
    if (st.nrects > MAX_RECTS) { st.rectsOk = false; st.rects = st.rects.map(() => []); }
  }

  function drawStream(fr) {
    const cv = $("stream");
    const W = cv.clientWidth || 800;
    const rows = S.workers || 1;
    const rowH = Math.max(14, Math.min(34, Math.floor(220 / rows)));
    const axis = 18, left = 34;
    const H = rows * rowH + axis;
    const dpr = window.devicePixelRatio || 1;
    if (cv.width !== Math.round(W * dpr) || cv.height !== Math.round(H * dpr)) {
      cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr); cv.style.height = H + "px";
    }
    const g = cv.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    const tmax = Math.max(fr.t, 1e-3);
    const x = (t) => left + (W - left - 4) * t / tmax;
    let painted = 0;
    g.font = "10px system-ui, sans-serif";
    for (let k = 0; k < rows; k++) {
      const y0 = k * rowH;
      g.fillStyle = k % 2 ? "#121a21" : "#141c24";
      g.fillRect(left, y0, W - left, rowH);
      g.fillStyle = "#7d8896";
      g.fillText("w" + k, 4, y0 + rowH / 2 + 3);
      if (stream.rectsOk) {
        const rs = stream.rects[k];
        for (let i = 0; i < rs.length; i++) {
          const r = rs[i];
          if (r[1] > tmax) continue;
          // neighbours alternate in shade, so that each task stands apart
          g.fillStyle = colour(r[0]);
          g.globalAlpha = i % 2 ? 0.78 : 1;
          const xa = x(r[1]), xb = Math.max(x(Math.min(r[1] + r[2], tmax)), xa + 1);
          g.fillRect(xa, y0 + 2, Math.max(xb - xa - 0.5, 1), rowH - 4);
          painted++;
        }
        g.globalAlpha = 1;
      } else {
        const row = stream.bins[k], bw = (W - left - 4) * stream.binMs / tmax;
        for (let b = 0; b < NBINS; b++) {
          const bin = row[b];
          if (!bin || b * stream.binMs > tmax) continue;
          let y = y0 + rowH - 2;
          for (const s in bin) {
            const h = Math.min(bin[s] / stream.binMs, 1) * (rowH - 4);
            g.fillStyle = colour(+s);
            g.fillRect(x(b * stream.binMs), y - h, Math.max(bw, 1) + 0.6, h); // overlap: no seams
            y -= h;
            painted++;
          }
        }
      }
      const w = fr.workers[k];
      if (w && w.cur >= 0 && S.state === "running" && follow) { // the task running now
        g.globalAlpha = 0.5;
        g.fillStyle = colour(w.cur);
        const xa = x(Math.max(fr.t - w.cur_age_ms, 0));
        g.fillRect(xa, y0 + 2, Math.max(x(fr.t) - xa, 2), rowH - 4);
        g.globalAlpha = 1;
      }
    }
    // time axis
    g.fillStyle = "#7d8896";
    const yA = rows * rowH + 13;
    for (let i = 0; i <= 5; i++) {
      const t = tmax * i / 5;
      const label = fmtDur(t);
      const tx = x(t) - (i === 5 ? g.measureText(label).width : i === 0 ? 0 : g.measureText(label).width / 2);
      g.fillText(label, tx, yA);
    }
    window.tgStats.painted = painted;
    $("stream-note").textContent = stream.rectsOk
      ? "one row per worker: every task a rectangle"
      : "one row per worker: tasks are dense, so each column shows busy time per stage (" + fmtDur(stream.binMs) + " a column)";
  }

  // ---- panels
  function stageName(s) { return (S.stages[s] && S.stages[s].name) || "stage " + s; }

  function drawHeader(fr) {
    const total = S.total, done = fr.done, ended = fr.done + fr.failed + fr.skipped + fr.not_run;
    $("title").textContent = S.title + (S.replay ? " (replay)" : "");
    const state = shown === S.frames.length - 1 ? S.state : "running";
    const st = $("state");
    st.textContent = S.replay && shown < S.frames.length - 1 ? "replay" : state;
    st.className = "pill " + state;
    $("done").textContent = fmtNum(done);
    $("total").textContent = fmtNum(total);
    const pct = total > 0 ? Math.floor(1000 * ended / total) / 10 : 0;
    $("pct").textContent = (pct >= 100 || (state !== "running" && ended === total) ? 100 : pct) + "%";
    const over = state !== "running";
    $("rate").textContent = fmtNum(over && fr.t > 0 ? 1000 * (fr.done + fr.failed) / fr.t : smoothRate());
    $("rate-lbl").textContent = over ? "tasks/s, average" : "tasks/s";
    $("elapsed").textContent = fmtDur(fr.t);
    const left = total - ended, r = smoothRate();
    $("eta").textContent = left <= 0 ? "–" : r > 0 ? fmtDur(1000 * left / r) : "…";
    $("nfailed").textContent = fmtNum(fr.failed);
    const bar = $("progress").children;
    bar[0].style.width = (100 * fr.done / Math.max(total, 1)) + "%";
    bar[1].style.width = (100 * fr.failed / Math.max(total, 1)) + "%";
    bar[2].style.width = (100 * (fr.skipped + fr.not_run) / Math.max(total, 1)) + "%";
  }
  function smoothRate() {
    // tasks/s over the last two seconds of frames
    const fr = S.frames[shown];
    if (!fr) return 0;
    let k = shown;
    while (k > 0 && fr.t - S.frames[k - 1].t <= 2000) k--;
    const a = S.frames[k === shown ? Math.max(shown - 1, 0) : k];
    const dt = fr.t - a.t;
    if (dt <= 0) return fr.rate;
    return 1000 * ((fr.done + fr.failed) - (a.done + a.failed)) / dt;
  }

  function drawStages(fr) {
    const tb = $("stages").tBodies[0];
    tb.textContent = "";
    S.stages.forEach((s, k) => {
      const f = fr.stages[k] || { done: 0, failed: 0, skipped: 0, not_run: 0, running: 0 };
      if (s.total === 0 && !(f.done + f.failed + f.skipped + f.not_run + f.running)) return; // not part of this run
      const total = s.total >= 0 ? s.total : f.done + f.failed + f.skipped + f.not_run + f.running;
      const waiting = s.total >= 0 ? Math.max(total - f.done - f.failed - f.skipped - f.not_run - f.running, 0) : null;
      const tr = el("tr", { "data-stage": s.name });
      const name = el("td", { class: "name" });
      name.append(el("span", { class: "sw", style: "background:" + colour(k) }), s.name + (s.spawned ? " (spawned)" : ""));
      const bc = el("td", { class: "bar-cell" }), bar = el("div", { class: "stagebar" });
      const seg = (cls, n) => { if (n > 0) bar.append(el("div", { class: "seg " + cls, style: "width:" + (100 * n / Math.max(total, 1)) + "%" })); };
      seg("done", f.done); seg("run", f.running); seg("failed", f.failed); seg("skipped", f.skipped + f.not_run);
      bc.append(bar);
      const parts = [];
      if (waiting !== null) parts.push(fmtNum(waiting) + " waiting");
      if (f.running) parts.push(f.running + " running");
      parts.push(fmtNum(f.done) + " done");
      if (f.failed) parts.push(fmtNum(f.failed) + " failed");
      if (f.skipped + f.not_run) parts.push(fmtNum(f.skipped + f.not_run) + " skipped");
      const counts = el("td", { class: "counts" }, parts.join(" · "));
      const tot = el("td", { class: "counts total" }, s.total >= 0 ? fmtNum(f.done + f.failed + f.skipped + f.not_run) + " / " + fmtNum(total) : fmtNum(total));
      tr.append(name, bc, counts, tot);
      tb.append(tr);
    });
  }

  function ranks() {
    const n = S.stages.length, rank = new Array(n).fill(0);
    for (let i = 0; i < n; i++) for (const e of S.edges || []) if (rank[e.to] < rank[e.from] + 1) rank[e.to] = rank[e.from] + 1;
    return rank;
  }

  function drawGraph(fr) {
    const box = $("graph");
    const n = S.stages.length;
    if (!n) { box.textContent = ""; return; }
    const rank = ranks(), cols = {};
    const shownStage = (s) => S.stages[s].total !== 0 || (fr.stages[s] && fr.stages[s].done + fr.stages[s].failed + fr.stages[s].running > 0);
    rank.forEach((r, s) => { if (shownStage(s)) (cols[r] = cols[r] || []).push(s); });
    const ncol = Math.max(...Object.keys(cols).map(Number)) + 1, maxRow = Math.max(...Object.values(cols).map((c) => c.length));
    const W = Math.max(box.clientWidth || 360, 200), nodeW = Math.min(130, (W - 10) / ncol - 24), nodeH = 34, gapY = 14;
    const H = maxRow * (nodeH + gapY) + 10;
    const pos = [];
    for (const r in cols) cols[r].forEach((s, i) => {
      const x = 5 + (+r) * (W - 10 - nodeW) / Math.max(ncol - 1, 1);
      const colH = cols[r].length * (nodeH + gapY) - gapY;
      pos[s] = { x: ncol === 1 ? (W - nodeW) / 2 : x, y: (H - colH) / 2 + i * (nodeH + gapY) };
    });
    const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, height: H });
    const fin = S.final && shown === S.frames.length - 1 ? S.final : null;
    const cp = fin && fin.critical_stages ? fin.critical_stages : [];
    const onPath = (a, b) => { for (let i = 0; i + 1 < cp.length; i++) if (cp[i] === a && cp[i + 1] === b) return true; return false; };
    for (const e of S.edges || []) {
      const a = pos[e.from], b = pos[e.to];
      if (!a || !b) continue;
      const x1 = a.x + nodeW, y1 = a.y + nodeH / 2, x2 = b.x, y2 = b.y + nodeH / 2, mx = (x1 + x2) / 2;
      const hot = onPath(e.from, e.to);
      svg.append(svgEl("path", { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, fill: "none",
        stroke: hot ? "#e5534b" : "#3a4653", "stroke-width": hot ? 2.5 : 1.2 }));
      const t = svgEl("text", { x: mx, y: (y1 + y2) / 2 - 3, "text-anchor": "middle", class: "count" });
      t.textContent = fmtNum(e.deps);
      svg.append(t);
    }
    let busyAll = 0;
    for (const f of fr.stages) busyAll += f.busy_ms;
    S.stages.forEach((s, k) => {
      const p = pos[k], f = fr.stages[k] || { done: 0, running: 0, busy_ms: 0, failed: 0 };
      if (!p) return;
      const total = s.total > 0 ? s.total : Math.max(f.done + f.failed, 1);
      const g = svgEl("g", {});
      const hot = cp.includes(k);
      g.append(svgEl("rect", { x: p.x, y: p.y, width: nodeW, height: nodeH, rx: 5, fill: "#1e2630", stroke: hot ? "#e5534b" : colour(k), "stroke-width": hot ? 2 : 1 }));
      let fillFrac = (f.done + f.failed) / total;
      let fillColour = f.failed ? "#e5534b" : colour(k);
      let label = fmtNum(f.done + f.failed) + "/" + (s.total >= 0 ? fmtNum(s.total) : "?");
      if (fin) { // after the run: time share
        fillFrac = busyAll > 0 ? f.busy_ms / busyAll : 0;
        label = Math.round(100 * fillFrac) + "% of busy time";
      }
      g.append(svgEl("rect", { x: p.x + 1, y: p.y + nodeH - 7, width: Math.max(0, (nodeW - 2) * Math.min(fillFrac, 1)), height: 6, rx: 2, fill: fillColour }));
      if (f.running) g.append(svgEl("circle", { cx: p.x + nodeW - 8, cy: p.y + 8, r: 3.5, fill: "#4c9be8" }));
      const t = svgEl("text", { x: p.x + 7, y: p.y + 13 });
      t.textContent = s.name.length > 18 ? s.name.slice(0, 17) + "…" : s.name;
      const c = svgEl("text", { x: p.x + 7, y: p.y + 24, class: "count" });
      c.textContent = label;
      g.append(t, c);
      svg.append(g);
    });
    box.textContent = "";
    box.append(svg);
    $("graph-note").textContent = fin
      ? (cp.length ? "after the run: time share, critical path in red" : "after the run: time share")
      : (S.edges && S.edges.length ? "filled as tasks finish" : S.replay ? "a profile holds no edges" : "");
  }

  function drawWorkers(fr) {
    const tb = $("workers").tBodies[0];
    tb.textContent = "";
    const means = fr.stages.map((f) => (f.done + f.failed) > 0 ? f.busy_ms / (f.done + f.failed) : null);
    fr.workers.forEach((w, k) => {
      const busy = fr.t > 0 ? Math.min(100, 100 * w.busy_ms / fr.t) : 0;
      const m = w.cur >= 0 ? means[w.cur] : null;
      const straggler = w.cur >= 0 && w.cur_age_ms > 100 && m !== null && w.cur_age_ms > 4 * m;
      const tr = el("tr", straggler ? { class: "straggler", title: "running 4× longer than its stage's mean" } : {});
      const cur = el("td");
      if (w.cur >= 0 && S.state === "running") cur.append(el("span", { class: "sw", style: "background:" + colour(w.cur) }), w.cur_task || stageName(w.cur));
      else cur.textContent = "idle";
      const bc = el("td", { class: "busy" }), bar = el("div", { class: "stagebar" });
      bar.append(el("div", { class: "seg run", style: "width:" + busy + "%" }));
      bc.append(bar, el("span", {}, busy.toFixed(0) + "%"));
      tr.append(el("td", {}, "w" + k), bc, el("td", {}, fmtNum(w.tasks)), cur,
        el("td", {}, w.cur >= 0 && S.state === "running" ? fmtDur(w.cur_age_ms) + (straggler ? " ⚠" : "") : ""));
      tb.append(tr);
    });
  }

  function drawBudget(fr) {
    const box = $("budget");
    box.textContent = "";
    const cap = fr.t * Math.max(S.workers, 1);
    if (cap <= 0) return;
    const stack = el("div", { class: "stack" });
    let busy = 0;
    const parts = [];
    fr.stages.forEach((f, k) => { if (f.busy_ms > 0) { busy += f.busy_ms; parts.push([k, f.busy_ms]); } });
    for (const [k, b] of parts) stack.append(el("div", { style: "width:" + (100 * b / cap) + "%;background:" + colour(k), title: stageName(k) + " " + fmtDur(b) }));
    box.append(stack);
    const lines = parts.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, b]) => {
      const p = el("p");
      p.append(el("span", { class: "sw", style: "background:" + colour(k) }), stageName(k) + ": " + fmtDur(b) + " (" + (100 * b / cap).toFixed(1) + "%)");
      return p;
    });
    box.append(...lines);
    box.append(el("p", { class: "muted" }, "idle: " + fmtDur(Math.max(cap - busy, 0)) + " (" + (100 * Math.max(cap - busy, 0) / cap).toFixed(1) + "%) of " + fmtDur(fr.t) + " × " + S.workers + " workers"));
    const fin = S.final && shown === S.frames.length - 1 ? S.final : null;
    if (fin && fin.critical_ms > 0) {
      box.append(el("p", { class: "cp" }, "critical path " + fmtDur(fin.critical_ms) + ": no schedule finishes sooner (" + (100 * fin.critical_ms / Math.max(fin.wall_ms, 1e-9)).toFixed(0) + "% of the wall time)"));
    }
    if (busy > 0) box.append(el("p", { class: "muted" }, "busy time alone bounds the wall time at " + fmtDur(busy / S.workers) + " on " + S.workers + " workers"));
  }

  function bucketLabel(k) { return fmtNs(Math.pow(2, k - 1)); }
  function drawHists(fr) {
    const box = $("hists");
    box.textContent = "";
    fr.stages.forEach((f, k) => {
      const n = f.done + f.failed;
      if (!n || !f.hist.length) return;
      const d = el("div", { class: "hist" });
      const mean = f.busy_ms / n;
      d.append(el("div", { class: "t" }, stageName(k)), el("div", { class: "sub" }, fmtNum(n) + " tasks, mean " + fmtDur(mean)));
      const W = 230, H = 54, lo = Math.max(f.hist_lo - 1, 0), hi = f.hist_lo + f.hist.length + 1, nb = hi - lo;
      const max = Math.max(...f.hist), bw = W / nb;
      const svg = svgEl("svg", { width: W, height: H + 12 });
      for (let b = lo; b < hi; b++) {
        const c = f.hist[b - f.hist_lo] || 0, h = c ? Math.max(2, (H - 2) * c / max) : 0;
        svg.append(svgEl("rect", { x: (b - lo) * bw + 1, y: H - h, width: bw - 2, height: h, fill: colour(k), rx: 1 }));
      }
      const tl = svgEl("text", { x: 0, y: H + 10 }); tl.textContent = bucketLabel(lo);
      const tr = svgEl("text", { x: W, y: H + 10, "text-anchor": "end" }); tr.textContent = bucketLabel(hi);
      svg.append(tl, tr);
      d.append(svg);
      const hint = granularity(mean, n);
      if (hint) d.append(el("div", { class: "hint" }, hint));
      box.append(d);
    });
  }
  function granularity(mean, n) {
    if (mean < 0.01) return "tasks average " + fmtDur(mean) + ", close to the scheduler's own cost per task: coarser tasks would run faster";
    if (n < S.workers && mean > 100 && S.workers > 1) return "fewer tasks than workers: finer tasks would keep every worker busy";
    return "";
  }

  function drawFailures() {
    const box = $("failures");
    box.textContent = "";
    if (!S.failures || !S.failures.length) { box.append(el("p", { class: "muted" }, "none")); return; }
    for (const f of S.failures) {
      const d = el("div", { class: "f" });
      d.append(el("div", {}, f.task + " — stage " + f.stage + ", worker " + f.worker + ", at " + fmtDur(f.at_ms)), el("div", { class: "err" }, f.error));
      box.append(d);
    }
  }
  function drawDownloads() {
    const ul = $("downloads");
    if (!S.final) return;
    ul.textContent = "";
    if (EMBEDDED) { ul.append(el("li", { class: "muted" }, "this report is a single file: nothing else to download")); return; }
    for (const d of S.final.downloads || []) {
      const li = el("li"), a = el("a", { href: d.path, download: "" }, d.name);
      li.append(a); ul.append(li);
    }
  }

  // ---- charts (uPlot)
  function makeCharts() {
    if (typeof uPlot === "undefined") return null;
    const axis = { stroke: "#7d8896", grid: { stroke: "#222b35" }, ticks: { stroke: "#222b35" } };
    const whole = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 1e4, 2e4, 5e4, 1e5];
    const upTo = (k) => (u, lo, hi) => [0, Math.max(hi, k)];
    const w = (id) => Math.max($(id).clientWidth, 200);
    const xAxis = Object.assign({}, axis, { values: (u, vs) => vs.map((v) => fmtDur(v * 1000)) });
    const rate = new uPlot({
      width: w("chart-rate"), height: 170, scales: { x: { time: false }, y: { range: upTo(1) }, n: { range: upTo(S.workers || 1) } }, legend: { live: false },
      series: [{ label: "t" }, { label: "tasks/s (over 1 s)", stroke: "#4c9be8", fill: "rgba(76,155,232,.15)", width: 1.5, points: { show: false }, value: (u, v) => v == null ? "–" : fmtNum(v) },
        { label: "tasks running", stroke: "#f28e2b", width: 1, scale: "n", points: { show: false }, value: (u, v) => v == null ? "–" : v }],
      axes: [xAxis, Object.assign({}, axis, { values: (u, vs) => vs.map(fmtNum), size: 44 }), Object.assign({}, axis, { scale: "n", side: 1, grid: { show: false }, size: 40, incrs: whole })],
    }, [[], [], []], $("chart-rate"));
    const rt = new uPlot({
      width: w("chart-rt"), height: 170, scales: { x: { time: false }, y: { range: upTo(0) }, g: { range: upTo(1) } }, legend: { live: false },
      series: [{ label: "t" }, { label: "heap MiB", stroke: "#59a14f", fill: "rgba(89,161,79,.15)", width: 1.5, points: { show: false }, value: (u, v) => v == null ? "–" : v.toFixed(1) },
        { label: "goroutines", stroke: "#b07aa1", width: 1, scale: "g", points: { show: false }, value: (u, v) => v == null ? "–" : v }],
      axes: [xAxis, Object.assign({}, axis, { size: 44 }), Object.assign({}, axis, { scale: "g", side: 1, grid: { show: false }, size: 40, incrs: whole })],
    }, [[], [], []], $("chart-rt"));
    return { rate, rt };
  }
  function drawCharts(fr) {
    if (!charts) return;
    const fs = S.frames.slice(0, shown + 1);
    const t = fs.map((f) => f.t / 1000);
    // tasks/s over a sliding second: single frames of a sparse run would
    // swing between nothing and a burst
    const rate = [];
    for (let i = 0, j = 0; i < fs.length; i++) {
      while (j < i && fs[i].t - fs[j + 1].t >= 1000) j++;
      const dt = fs[i].t - fs[j].t;
      rate.push(dt > 0 ? 1000 * (fs[i].done + fs[i].failed - fs[j].done - fs[j].failed) / dt : 0);
    }
    charts.rate.setData([t, rate, fs.map((f) => f.running)]);
    charts.rt.setData([t, fs.map((f) => f.runtime.heap_mb), fs.map((f) => f.runtime.goroutines)]);
    const gc = fr.runtime.gc_share;
    $("gc").textContent = gc >= 0 ? "GC " + (100 * gc).toFixed(1) + "% of CPU" : "";
  }

  // ---- state
  function render() {
    if (!S || !S.frames.length) return;
    const fr = S.frames[shown];
    drawHeader(fr); drawStages(fr); drawGraph(fr); drawStream(fr); drawWorkers(fr);
    drawBudget(fr); drawHists(fr); drawCharts(fr); drawFailures(); drawDownloads();
    window.tgStats.frames = S.frames.length;
    window.tgStats.state = S.state;
    window.tgStats.shown = shown;
    updateScrub();
  }
  function rebuildStream(upTo) {
    stream = newStream(S.workers);
    for (let i = 0; i <= upTo && i < S.frames.length; i++) streamAdd(stream, S.frames[i]);
  }
  function showAt(i) {
    shown = i;
    follow = i === S.frames.length - 1;
    rebuildStream(i);
    render();
  }
  function updateScrub() {
    const over = S.replay || S.final;
    $("scrub").hidden = !over;
    if (!over) return;
    const sc = $("scrubber");
    sc.max = S.frames.length - 1;
    sc.value = shown;
    $("scrubtime").textContent = fmtDur(S.frames[shown].t) + " / " + fmtDur(S.frames[S.frames.length - 1].t);
  }
  let timer = null;
  function play() {
    if (timer) { clearInterval(timer); timer = null; $("play").textContent = "▶"; return; }
    if (shown >= S.frames.length - 1) showAt(0);
    $("play").textContent = "❚❚";
    const step = Math.max(1, Math.round(S.frames.length / 150));
    timer = setInterval(() => {
      // step forward incrementally: no rebuild while playing
      for (let k = 0; k < step && shown < S.frames.length - 1; k++) { shown++; streamAdd(stream, S.frames[shown]); }
      follow = shown === S.frames.length - 1;
      render();
      if (follow) play();
    }, 40);
  }

  function onSnapshot(s) {
    S = s;
    S.frames = S.frames || [];
    S.failures = S.failures || [];
    S.edges = S.edges || [];
    if (!charts) charts = makeCharts();
    // the newest frame: a finished run (a replay, a report) shows its end,
    // and the scrubber goes back from there
    showAt(S.frames.length - 1);
  }
  // mergeFrames is the server's merge: b's state, both spans' stream parts
  function mergeFrames(a, b) {
    const m = Object.assign({}, b, { span_ms: a.span_ms + b.span_ms });
    if (m.span_ms > 0) m.rate = (a.rate * a.span_ms + b.rate * b.span_ms) / m.span_ms;
    m.workers = b.workers.map((w, k) => {
      const aw = a.workers[k];
      if (!aw) return w;
      const occ = {};
      for (const o of (aw.occ || []).concat(w.occ || [])) occ[o[0]] = (occ[o[0]] || 0) + o[1];
      const rectMode = (x) => x.rects || !(x.occ && x.occ.length);
      const rects = rectMode(aw) && rectMode(w) ? (aw.rects || []).concat(w.rects || []) : null;
      return Object.assign({}, w, { occ: Object.keys(occ).map((s) => [+s, occ[s]]), rects: rects });
    });
    return m;
  }
  const MAX_FRAMES = 2048; // the page keeps as many frames as this, merging the oldest
  function thinFrames() {
    const half = MAX_FRAMES / 2, out = [];
    for (let i = 0; i + 1 < half * 2; i += 2) out.push(mergeFrames(S.frames[i], S.frames[i + 1]));
    S.frames = out.concat(S.frames.slice(half * 2));
    shown = S.frames.length - 1;
  }
  function onFrame(fr) {
    if (fr.new_stages) for (const st of fr.new_stages) S.stages.push(st);
    S.frames.push(fr);
    if (S.frames.length > MAX_FRAMES) thinFrames();
    S.done = fr.done; S.failed = fr.failed;
    if (follow) { shown = S.frames.length - 1; streamAdd(stream, fr); render(); }
    else updateScrub();
  }

  const dataEl = document.getElementById("tg-data");
  const EMBEDDED = !!dataEl;
  $("scrubber").addEventListener("input", (e) => showAt(+e.target.value));
  $("play").addEventListener("click", play);
  window.addEventListener("resize", () => { if (S) { if (charts) { charts.rate.setSize({ width: $("chart-rate").clientWidth, height: 170 }); charts.rt.setSize({ width: $("chart-rt").clientWidth, height: 170 }); } render(); } });

  if (EMBEDDED) {
    onSnapshot(JSON.parse(dataEl.textContent));
    return;
  }
  const es = new EventSource("events");
  es.addEventListener("snapshot", (e) => onSnapshot(JSON.parse(e.data)));
  es.addEventListener("frame", (e) => onFrame(JSON.parse(e.data)));
  es.addEventListener("stages", (e) => { const v = JSON.parse(e.data); S.stages = v.stages; S.edges = v.edges || []; if (follow) render(); });
  es.addEventListener("failures", (e) => { S.failures = JSON.parse(e.data) || []; if (follow) render(); });
  es.addEventListener("done", (e) => {
    S.final = JSON.parse(e.data);
    S.state = S.final.error ? "failed" : "done";
    es.close(); // the run is over: no reconnecting
    if (follow) render(); else updateScrub();
  });
  es.onerror = () => { if (S && S.state === "running") $("state").textContent = "reconnecting"; };
})();
