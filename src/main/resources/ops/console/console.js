/*
 * The support console's pages: a hash router (#/device/04A228CD, #/session/<order>, #/frames/<id>?from=&to=) that
 * draws each page from what ConsoleApi (console-api.js) returns. Charts are plain SVG. Everything from the
 * gateway is put into the page as text (textContent), never as HTML: device data is untrusted.
 */
"use strict";

(() => {
  const view = document.getElementById("view");
  const keyInput = document.getElementById("api-key");
  const errorBox = document.getElementById("error");
  const SVG = "http://www.w3.org/2000/svg";
  const HOUR = 3600;
  /** Events read per request: the API answers a range oldest first, at most 1000. */
  const EVENTS_PAGE = 1000;

  // ---- DOM helpers ---------------------------------------------------------------------------------------------

  function build(node, attrs, children) {
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    children.flat(Infinity).forEach(child => {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }
  const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
  const s = (tag, attrs, ...children) => build(document.createElementNS(SVG, tag), attrs, children);

  function table(headers, rows, emptyText, attrs) {
    const body = rows.length ? rows
      : [h("tr", {}, h("td", { colspan: headers.length, class: "empty" }, emptyText))];
    return h("div", { class: "scroll" }, h("table", attrs || {},
      h("thead", {}, h("tr", {}, headers.map(c => h("th", { scope: "col", class: c.endsWith("#") ? "num" : null },
        c.replace(/#$/, ""))))),
      h("tbody", {}, body)));
  }

  const facts = pairs => h("dl", { class: "facts" },
    pairs.filter(p => p).map(([name, value]) => [h("dt", {}, name), h("dd", {}, value === null || value === undefined
      || value === "" ? "–" : value)]));

  function fields(object) {
    const entries = Object.entries(object || {}).filter(([, v]) => v !== null && v !== undefined);
    return h("dl", { class: "fields" }, entries.map(([k, v]) => [h("dt", {}, k),
      h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]));
  }

  const badge = (text, kind) => h("span", { class: "badge " + (kind || "") }, text);

  // ---- formatting ----------------------------------------------------------------------------------------------

  const pad = n => String(n).padStart(2, "0");
  function when(seconds, millis) {
    if (seconds === null || seconds === undefined) return "–";
    const d = new Date(millis !== undefined && millis !== null ? millis : seconds * 1000);
    const text = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours())
      + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    return millis !== undefined && millis !== null ? text + "." + String(d.getMilliseconds()).padStart(3, "0") : text;
  }
  const clock = seconds => { const d = new Date(seconds * 1000); return pad(d.getHours()) + ":" + pad(d.getMinutes()); };
  const clockSeconds = seconds => clock(seconds) + ":" + pad(new Date(seconds * 1000).getSeconds());
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const hrs = Math.floor(seconds / 3600), min = Math.floor(seconds % 3600 / 60), sec = seconds % 60;
    return (hrs ? hrs + " h " : "") + (hrs || min ? min + " min " : "") + sec + " s";
  }
  /** A datetime-local input's value for Unix seconds, and back (local time, to the second). */
  const toInput = seconds => when(seconds).replace(" ", "T");
  const fromInput = value => value ? Math.floor(new Date(value).getTime() / 1000) : null;
  const now = () => Math.floor(Date.now() / 1000);

  // ---- errors, key -----------------------------------------------------------------------------------------------

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function explain(e) {
    if (e.status === 401) {
      return "The API needs a key: enter it above (X-API-Key). It is one of GATEWAY_API_KEYS, or the key the gateway"
        + " generated in <data-dir>/api-key on the gateway host. (" + e.message + ")";
    }
    return e.message;
  }

  keyInput.value = "";
  keyInput.placeholder = ConsoleApi.hasKey() ? "key kept for this tab" : "X-API-Key";
  document.getElementById("key-form").addEventListener("submit", event => {
    event.preventDefault();
    ConsoleApi.setKey(keyInput.value.trim());
    keyInput.value = "";
    keyInput.placeholder = ConsoleApi.hasKey() ? "key kept for this tab" : "X-API-Key";
    render();
  });

  // ---- router ----------------------------------------------------------------------------------------------------

  function route() {
    const hash = location.hash.replace(/^#\/?/, "");
    const [path, query] = hash.split("?");
    const [page, ...rest] = path.split("/");
    return { page: page || "search", arg: decodeURIComponent(rest.join("/")), params: new URLSearchParams(query || "") };
  }

  let renderCount = 0;
  async function render(focus) {
    const mine = ++renderCount;
    const { page, arg, params } = route();
    const pages = { search: searchPage, device: devicePage, session: sessionPage, frames: framesPage };
    const draw = pages[page] || searchPage;
    showError("");
    view.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const content = await draw(arg, params);
      if (mine !== renderCount) return; // a newer navigation won
      view.replaceChildren(...content);
      if (focus) view.focus();
    } catch (e) {
      if (mine !== renderCount) return;
      view.replaceChildren(h("h2", {}, "Could not load this page"), h("p", {}, h("a", { href: "#/" }, "Back to search")));
      showError(explain(e));
    }
  }
  window.addEventListener("hashchange", () => render(true));
  // the skip link moves the focus without touching the address, which the router owns
  document.querySelector(".skip").addEventListener("click", event => {
    event.preventDefault();
    view.focus();
  });

  // ---- search ----------------------------------------------------------------------------------------------------

  async function searchPage() {
    document.title = "Search - AP3000 support console";
    const input = h("input", { id: "search-input", name: "q", required: true, autocomplete: "off",
      placeholder: "04A228CD or an order number" });
    const result = h("p", { id: "search-result", role: "status" });
    const form = h("form", { class: "search", role: "search", onsubmit: async event => {
      event.preventDefault();
      result.textContent = "Searching…";
      try {
        result.textContent = "";
        location.hash = await find(input.value.trim());
      } catch (e) {
        result.textContent = explain(e);
      }
    } }, h("label", { for: "search-input" }, "Device ID or order number", input),
    h("button", { type: "submit", id: "search-button" }, "Search"));
    setTimeout(() => input.focus());
    return [h("h2", {}, "Find a device or an order"),
      h("section", { class: "wide" }, form, result,
        h("p", { class: "muted" }, "A device ID is 8 hex digits (04A228CD); the number printed on the device works"
          + " too. Anything else is looked up as an order number."))];
  }

  /** The page for what was typed: a device ID goes to the device, anything else is tried as an order first. */
  async function find(q) {
    if (/^[0-9a-f]{8}$/i.test(q)) return "#/device/" + q.toUpperCase();
    if (await ConsoleApi.session(q)) return "#/session/" + encodeURIComponent(q);
    const device = await ConsoleApi.deviceEvents(q, { limit: 1 }).catch(e => {
      if (e.status === 400) return null;
      throw e;
    });
    if (device) return "#/device/" + device.deviceId;
    throw new Error("No order and no device '" + q + "' in the audit trail.");
  }

  // ---- device ----------------------------------------------------------------------------------------------------

  const deviceLink = id => h("a", { href: "#/device/" + encodeURIComponent(id), class: "device-link" }, id);
  const sessionLink = order => h("a", { href: "#/session/" + encodeURIComponent(order), class: "session-link" }, order);
  const framesHref = (id, from, to) => "#/frames/" + encodeURIComponent(id) + "?from=" + from + "&to=" + to;

  async function devicePage(id, params) {
    id = id.toUpperCase();
    document.title = "Device " + id + " - AP3000 support console";
    const to = now();
    const [status, online, offline, beats, sessions, types] = await Promise.all([
      ConsoleApi.deviceStatus(id),
      ConsoleApi.deviceEvents(id, { type: "device_online", limit: 100, from: to - 7 * 24 * HOUR }),
      ConsoleApi.deviceEvents(id, { type: "device_offline", limit: 100, from: to - 7 * 24 * HOUR }),
      ConsoleApi.heartbeats(id, { from: to - 24 * HOUR, to }),
      ConsoleApi.deviceSessions(id, 50),
      ConsoleApi.eventTypes()]);
    if (!status && !online) {
      return [h("h2", {}, "Device " + id), h("section", { class: "wide" }, h("p", {},
        "This device is not online and has no audit trail (unknown, or older than the retention)."))];
    }
    const history = [...(online ? online.events : []), ...(offline ? offline.events : [])]
      .sort((a, b) => b.time - a.time);
    const lastOnline = history.find(e => e.type === "device_online");

    const now$ = h("section", {},
      h("h3", {}, "Now"),
      facts([
        ["Online", status ? badge("online", "ok") : badge("offline", "bad")],
        ["Remote address", status ? status.remoteAddress : lastOnline && lastOnline.data.remote_addr],
        ["ICCID", status ? status.iccid : lastOnline && lastOnline.data.iccid],
        ["Node", (status && status.node) || (lastOnline && lastOnline.node)],
        ["Connection", status ? status.connectionId : null],
        ["Online since", status ? when(status.onlineSince) : null],
        ["Last seen", status ? when(status.lastSeen) : null],
        ["Firmware", status ? status.firmware : lastOnline && lastOnline.data.firmware_version],
        ["Frames", h("a", { href: framesHref(id, to - HOUR, to), class: "frames-link", id: "device-frames-link" },
          "raw frames of the last hour")]
      ]),
      h("h3", { style: "margin-top:12px" }, "Ports"),
      table(["port#", "status", "order"], status ? status.ports.map(p => h("tr", {},
        h("td", { class: "num" }, p.port), h("td", {}, p.statusDesc + (p.status === null ? "" : " (" + p.status + ")")),
        h("td", {}, p.orderNo ? sessionLink(p.orderNo) : ""))) : [], status ? "no ports reported" : "offline: no live port status",
      { id: "device-ports" }));

    const history$ = h("section", {}, h("h3", {}, "Online / offline, last 7 days"),
      h("div", { class: "tall" }, table(["time", "", "details"], history.map(e => h("tr", {},
        h("td", { class: "when" }, when(e.time)),
        h("td", {}, e.type === "device_online" ? badge("online", "ok") : badge("offline", "bad")),
        h("td", {}, e.type === "device_online"
          ? [e.data.remote_addr, e.data.iccid ? " · ICCID " + e.data.iccid : "", e.node ? " · node " + e.node : ""]
          : [e.data.offline_reason || "", e.data.connection_duration !== undefined && e.data.connection_duration !== null
            ? " · connected " + duration(e.data.connection_duration) : ""]))), "no online/offline events", { id: "device-history" })));

    const beats$ = h("section", { class: "wide" }, h("h3", {}, "Heartbeats per hour, last 24 h"),
      beats ? heartbeatChart(beats) : h("p", { class: "empty" }, "no heartbeat summaries"));

    const sessions$ = h("section", { class: "wide" }, h("h3", {}, "Sessions, newest first"),
      table(["order", "port#", "state", "started", "duration", "energy kWh#", "stop reason"], sessions.map(x =>
        h("tr", {}, h("td", {}, sessionLink(x.orderNo)), h("td", { class: "num" }, x.port), h("td", {}, stateBadge(x.state)),
          h("td", { class: "when" }, when(x.startTime)), h("td", {}, duration(x.durationSeconds)),
          h("td", { class: "num" }, x.energyKwh === null ? "–" : x.energyKwh),
          h("td", {}, x.stopReasonDesc || x.failureReason || ""))), "no sessions", { id: "device-sessions" }));

    const events$ = h("section", { class: "wide" }, h("h3", {}, "Key events"), await eventsPanel(id, types, params));
    return [h("h2", {}, "Device " + id + " ", status ? badge("online", "ok") : badge("offline", "bad")),
      now$, history$, beats$, sessions$, events$];
  }

  function stateBadge(state) {
    const kind = { settled: "ok", charging: "warn", started: "warn", failed: "bad" }[state] || "";
    return badge(state || "?", kind);
  }

  /** The events table with its filters; a filter is kept in the address (replaceState) so the link can be shared. */
  async function eventsPanel(id, types, params) {
    const to = Number(params.get("to")) || now();
    const from = Number(params.get("from")) || to - 24 * HOUR;
    const type = params.get("type") || "";
    const typeSelect = h("select", { id: "event-type", name: "type" }, h("option", { value: "" }, "all types"),
      types.map(t => h("option", { value: t, selected: t === type }, t)));
    const fromInput$ = h("input", { id: "event-from", type: "datetime-local", step: 1, value: toInput(from) });
    const toInput$ = h("input", { id: "event-to", type: "datetime-local", step: 1, value: toInput(to) });
    const holder = h("div", { class: "tall" });
    const load = async (f, t, ty) => {
      holder.replaceChildren(h("p", { class: "muted" }, "Loading…"));
      const found = await ConsoleApi.deviceEvents(id, { from: f, to: t, type: ty || null, limit: EVENTS_PAGE });
      const events = found ? found.events.slice().reverse() : [];
      holder.replaceChildren(table(["time", "event", "port#", "dir", "details", ""], events.map(e => {
        const order = e.data.order_id || e.data.order_number;
        return h("tr", { class: "event" + (e.direction === "out" ? " out" : ""), "data-event-type": e.type },
          h("td", { class: "when" }, when(e.time)), h("td", {}, e.type), h("td", { class: "num" }, e.port ?? ""),
          h("td", {}, e.direction || ""), h("td", {}, order ? [sessionLink(order), " "] : "", summary(e)),
          h("td", {}, h("a", { href: framesHref(id, e.time - 30, e.time + 30), class: "frames-link" }, "frames")));
      }), "no events in this range", { id: "device-events" }),
      h("p", { class: "legend" }, events.length + " events, newest first", events.length < EVENTS_PAGE ? "" : [
        ". The range holds more: these are its oldest " + EVENTS_PAGE + ". ",
        h("button", { type: "button", id: "events-later", onclick: () => {
          fromInput$.value = toInput(events[0].time);
          form.requestSubmit();
        } }, "Show later events")]));
    };
    const form = h("form", { class: "filters", onsubmit: async event => {
      event.preventDefault();
      const f = fromInput(fromInput$.value), t = fromInput(toInput$.value), ty = typeSelect.value;
      history.replaceState(null, "", "#/device/" + encodeURIComponent(id) + "?type=" + encodeURIComponent(ty)
        + "&from=" + f + "&to=" + t);
      try { await load(f, t, ty); showError(""); } catch (e) { showError(explain(e)); }
    } },
    h("label", { for: "event-type" }, "Type", typeSelect),
    h("label", { for: "event-from" }, "From", fromInput$),
    h("label", { for: "event-to" }, "To", toInput$),
    h("button", { type: "submit", id: "event-filter" }, "Show"));
    await load(from, to, type);
    return [form, holder];
  }

  /** One line on what an event says, for the tables. */
  function summary(e) {
    const d = e.data;
    switch (e.type) {
      case "charging_command": return (d.command === "start" ? "start" : d.command) + " command sent (attempt "
        + (d.attempt ?? 1) + ", message " + (d.message_id ?? "?") + ")";
      case "charging_start": return "device accepted the start: " + (d.status_desc || d.response_code);
      case "charging_failed": return "start failed: " + (d.failure_reason || d.error_code);
      case "charging_stopped": return "device accepted the stop";
      case "power_heartbeat": return d.current_power + " W, " + d.cumulative_energy + " kWh after "
        + duration(d.charge_duration) + (d.voltage ? ", " + d.voltage + " V" : "");
      case "charging_end": return "ended: " + (d.stop_reason_desc || d.stop_reason) + ", " + d.total_energy + " kWh in "
        + duration(d.charge_duration);
      case "settlement": return "settled " + d.total_energy + " kWh, " + duration(d.charge_duration) + ", stop reason "
        + (d.stop_reason_desc || d.stop_reason);
      case "port_heartbeat": return "port " + e.port + ": " + (d.previous_status_desc || "?") + " → " + d.port_status_desc;
      case "device_online": return "online from " + d.remote_addr;
      case "device_offline": return "offline: " + d.offline_reason;
      default: return Object.entries(d).filter(([, v]) => v !== null && typeof v !== "object").slice(0, 6)
        .map(([k, v]) => k + "=" + v).join(", ");
    }
  }

  // ---- heartbeat chart -------------------------------------------------------------------------------------------

  /** Bars per hour: heartbeat count above, longest gap below; an hour without any heartbeat is shaded red. */
  function heartbeatChart(beats) {
    const first = Math.floor(beats.from / HOUR) * HOUR;
    const hours = [];
    for (let t = first; t <= beats.to; t += HOUR) {
      hours.push(beats.hours.find(x => x.hourStart === t) || { hourStart: t, count: 0, longestGapSeconds: null });
    }
    const gaps = hours.map(x => x.longestGapSeconds).filter(g => g !== null).sort((a, b) => a - b);
    const typical = gaps.length ? gaps[Math.floor(gaps.length / 2)] : null;
    const standsOut = g => typical !== null && g !== null && g > 2 * typical;
    const W = 1200, left = 44, right = 8, top = 8, countH = 110, gapH = 70, between = 22, bottom = 20;
    const H = top + countH + between + gapH + bottom;
    const step = (W - left - right) / hours.length;
    const maxCount = Math.max(1, ...hours.map(x => x.count));
    const maxGap = Math.max(1, ...gaps);
    const gapTop = top + countH + between;
    const svg = s("svg", { class: "chart heartbeat-chart", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Heartbeats per hour and the longest gap in each hour, " + hours.length + " hours" },
    s("text", { x: left - 4, y: top + 10, "text-anchor": "end" }, maxCount),
    s("text", { x: left - 4, y: top + countH, "text-anchor": "end" }, "0"),
    s("text", { x: left - 4, y: gapTop + 10, "text-anchor": "end" }, Math.round(maxGap) + "s"),
    s("line", { class: "axis", x1: left, x2: W - right, y1: top + countH, y2: top + countH }),
    s("line", { class: "axis", x1: left, x2: W - right, y1: gapTop + gapH, y2: gapTop + gapH }),
    hours.map((x, i) => {
      const bx = left + i * step, bw = Math.max(1, step - 2);
      const label = clock(x.hourStart) + ": " + x.count + " heartbeats"
        + (x.longestGapSeconds !== null ? ", longest gap " + x.longestGapSeconds + " s" : "");
      const parts = [];
      if (x.count === 0) {
        parts.push(s("rect", { class: "none", x: bx, y: top, width: bw, height: countH + between + gapH },
          s("title", {}, clock(x.hourStart) + ": no heartbeat")));
      }
      const ch = x.count / maxCount * countH;
      parts.push(s("rect", { class: "bar count", x: bx, y: top + countH - ch, width: bw, height: ch },
        s("title", {}, label)));
      if (x.longestGapSeconds !== null) {
        const gh = x.longestGapSeconds / maxGap * gapH;
        parts.push(s("rect", { class: "bar gap" + (standsOut(x.longestGapSeconds) ? " stands-out" : ""), x: bx,
          y: gapTop + gapH - gh, width: bw, height: gh }, s("title", {}, label)));
      }
      if (i % 3 === 0) {
        parts.push(s("text", { x: bx, y: H - 6 }, clock(x.hourStart)));
      }
      return parts;
    }));
    const asTable = h("details", {}, h("summary", {}, "The hours as a table"),
      table(["hour", "heartbeats#", "longest gap s#", "gap started"], hours.slice().reverse().map(x => h("tr", {},
        h("td", { class: "when" }, when(x.hourStart)), h("td", { class: "num" }, x.count),
        h("td", { class: "num" }, x.longestGapSeconds ?? "–"),
        h("td", { class: "when" }, x.longestGapStarted ? when(x.longestGapStarted) : ""))), "no hours"));
    return [svg, asTable, h("p", { class: "legend" }, "Blue: heartbeats in the hour. Below: the longest gap between two"
      + " heartbeats in the hour" + (typical !== null ? "; red where it is more than twice the usual (" + typical + " s)"
      : "") + ". A shaded hour had no heartbeat at all.")];
  }

  // ---- session ---------------------------------------------------------------------------------------------------

  async function sessionPage(order) {
    document.title = "Session " + order + " - AP3000 support console";
    const x = await ConsoleApi.session(order);
    if (!x) {
      return [h("h2", {}, "Session " + order), h("section", { class: "wide" },
        h("p", {}, "No charging session for this order (unknown, or older than the retention)."))];
    }
    const times = x.events.map(e => e.time).concat([x.startTime, x.endTime].filter(t => t !== null));
    const from = (times.length ? Math.min(...times) : Math.floor(x.updatedAtMs / 1000)) - 60;
    const to = (times.length ? Math.max(...times) : Math.floor(x.updatedAtMs / 1000)) + 60;
    const [portEvents, letters] = await Promise.all([
      ConsoleApi.deviceEvents(x.deviceId, { from, to, type: "port_heartbeat", limit: 1000 }),
      ConsoleApi.deadLetters({ from, limit: 1000 })]);
    const portChanges = (portEvents ? portEvents.events : []).filter(e => e.port === x.port);
    const settlement = x.events.find(e => e.type === "settlement");
    const fees = ConsoleApi.fees(settlement && settlement.data);
    const money = v => v === null ? "not reported by the device" : v;

    const summary$ = h("section", {}, h("h3", {}, "Summary"), facts([
      ["Device", h("span", {}, deviceLink(x.deviceId), " port " + x.port)],
      ["State", stateBadge(x.state)],
      ["Started", when(x.startTime)],
      ["Ended", when(x.endTime)],
      ["Duration", duration(x.durationSeconds)],
      ["Energy", x.energyKwh === null ? null : x.energyKwh + " kWh"],
      ["Power", (x.maxPowerW === null ? "–" : "max " + x.maxPowerW + " W")
        + (x.avgPowerW === null ? "" : ", average " + x.avgPowerW + " W")],
      ["Stop reason", x.stopReasonDesc ? x.stopReasonDesc + " (" + x.stopReason + ")" : x.failureReason],
      ["Fees", "total " + money(fees.total) + "; charge " + money(fees.charge) + "; service " + money(fees.service)],
      ["Frames", h("a", { href: framesHref(x.deviceId, from, to), class: "frames-link", id: "session-frames-link" },
        "raw frames of this session")]
    ]));

    const curve$ = h("section", {}, h("h3", {}, "Power curve (W)"), powerChart(x.power));

    const rows = [...x.events.map(e => ({ e, kind: "event" })), ...portChanges.map(e => ({ e, kind: "port" }))]
      .sort((a, b) => a.e.time - b.e.time);
    const deliveries = new Map();
    const timeline = table(["time", "what", "dir", "details", "webhooks"], rows.map(({ e, kind }) => {
      const cell = h("td", { class: "deliveries" }, kind === "event" ? h("span", { class: "muted" }, "…") : "");
      if (kind === "event") deliveries.set(e.eventId, cell);
      return h("tr", { class: (kind === "event" ? "event" : "port-change") + (e.direction === "out" ? " out" : ""),
        "data-event-id": kind === "event" ? e.eventId : null, "data-event-type": e.type },
      h("td", { class: "when" }, when(e.time)), h("td", {}, label(e)), h("td", {}, e.direction || ""),
      h("td", {}, summary(e)), cell);
    }), "no events kept for this session", { id: "session-timeline" });
    const timeline$ = h("section", { class: "wide" }, h("h3", {}, "Timeline"), timeline,
      h("p", { class: "legend" }, x.events.length + " events of the order; port changes of port " + x.port
        + " shaded. Webhooks: per endpoint the attempts, the last answer, and a dead letter's Replay button."));

    inTurns([...deliveries].map(([eventId, cell]) => () => showDeliveries(cell, eventId, letters)), 4);
    return [h("h2", {}, "Session " + order), summary$, curve$, timeline$];
  }

  /** Runs the tasks at most n at a time: a long session has hundreds of events, each with its attempt log. */
  function inTurns(tasks, n) {
    const queue = tasks.slice();
    const worker = async () => {
      while (queue.length) await queue.shift()();
    };
    return Promise.all(Array.from({ length: Math.min(n, queue.length) }, worker));
  }

  function label(e) {
    const names = { charging_command: e.data.command === "stop" ? "Stop command" : "Start command",
      charging_start: "Start acked", charging_failed: "Start failed", charging_stopped: "Stop acked",
      power_heartbeat: "Power sample", charging_end: "End", settlement: "Settlement", port_heartbeat: "Port change" };
    return [names[e.type] || e.type, " ", h("code", { class: "muted" }, e.type)];
  }

  /** The event's webhook deliveries per endpoint, from its attempt log and the dead letters. */
  async function showDeliveries(cell, eventId, letters) {
    let attempts;
    try {
      attempts = await ConsoleApi.attempts(eventId);
    } catch (e) {
      cell.replaceChildren(h("span", { class: "muted" }, "? " + e.message));
      return;
    }
    const endpoints = [...new Set([...attempts.map(a => a.endpoint),
      ...letters.filter(l => l.eventId === eventId).map(l => l.endpoint)])];
    if (!endpoints.length) {
      cell.replaceChildren(h("span", { class: "muted", title: "no webhook was sent for this event" }, "–"));
      return;
    }
    cell.replaceChildren(...endpoints.map(endpoint => {
      const mine = attempts.filter(a => a.endpoint === endpoint);
      const last = mine[mine.length - 1];
      const letter = letters.find(l => l.eventId === eventId && l.endpoint === endpoint);
      const answer = last ? (last.status !== null ? "last " + last.status : "last: " + (last.error || "no answer")) : "";
      const delivered = last && last.status >= 200 && last.status < 300;
      const line = h("div", { class: "delivery", "data-endpoint": endpoint },
        h("strong", {}, endpoint), " ",
        letter ? badge("dead letter", "bad") : delivered ? badge("delivered", "ok") : badge("retrying", "warn"),
        " " + mine.length + (mine.length === 1 ? " attempt" : " attempts") + (answer ? ", " + answer : ""));
      if (letter) {
        line.append(" ", h("button", { type: "button", class: "replay", onclick: event =>
          replay(event.currentTarget, letter, cell, eventId, letters) }, "Replay"));
      }
      return line;
    }));
  }

  /** Replays a dead letter, then follows the event's attempt log until the endpoint answered 2xx (up to a minute). */
  async function replay(button, letter, cell, eventId, letters) {
    button.disabled = true;
    button.textContent = "Replaying…";
    try {
      await ConsoleApi.replay(letter.id);
    } catch (e) {
      button.disabled = false;
      button.textContent = "Replay";
      showError("Replay failed: " + explain(e));
      return;
    }
    letters.splice(letters.indexOf(letter), 1);
    const until = Date.now() + 60000;
    const since = Date.now() - 5000;
    while (Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 500));
      const attempts = await ConsoleApi.attempts(eventId).catch(() => []);
      if (attempts.some(a => a.endpoint === letter.endpoint && a.atMs >= since && a.status >= 200 && a.status < 300)) {
        break;
      }
    }
    await showDeliveries(cell, eventId, letters);
  }

  // ---- power curve -----------------------------------------------------------------------------------------------

  function powerChart(points) {
    if (!points.length) return h("p", { class: "empty" }, "no power samples");
    const W = 800, H = 280, left = 52, right = 12, top = 12, bottom = 26;
    const t0 = points[0].time, t1 = points[points.length - 1].time;
    const span = t1 > t0 ? t1 - t0 : 60; // one sample (or one second) is drawn in the middle of a minute
    const start = t1 > t0 ? t0 : t0 - 30;
    const maxW = Math.max(...points.map(p => p.watts));
    const yMax = niceCeiling(maxW * 1.1 || 1);
    const x = t => left + (t - start) / span * (W - left - right);
    const y = w => top + (1 - w / yMax) * (H - top - bottom);
    const yTicks = [0, 0.25, 0.5, 0.75, 1].map(f => f * yMax);
    const xTicks = [0, 0.25, 0.5, 0.75, 1].map(f => Math.round(start + f * span));
    const svg = s("svg", { class: "chart power-curve", viewBox: "0 0 " + W + " " + H, role: "img",
      "data-points": points.length,
      "aria-label": "Power curve: " + points.length + " samples, highest " + maxW + " W" },
    yTicks.map(v => [s("line", { class: "grid", x1: left, x2: W - right, y1: y(v), y2: y(v) }),
      s("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, Math.round(v) + " W")]),
    xTicks.map((t, i) => s("text", { x: x(t), y: H - 8,
      "text-anchor": i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle" }, clockSeconds(t))),
    s("line", { class: "axis", x1: left, x2: W - right, y1: y(0), y2: y(0) }),
    s("polyline", { class: "curve", points: points.map(p => x(p.time).toFixed(1) + "," + y(p.watts).toFixed(1)).join(" ") }),
    points.map(p => s("circle", { class: "curve-point", cx: x(p.time).toFixed(1), cy: y(p.watts).toFixed(1), r: 3.5 },
      s("title", {}, clockSeconds(p.time) + ": " + p.watts + " W"))));
    return [svg, h("details", {}, h("summary", {}, "The " + points.length + " samples as a table"),
      table(["time", "W#"], points.map(p => h("tr", {}, h("td", { class: "when" }, when(p.time)),
        h("td", { class: "num" }, p.watts))), "no samples"))];
  }

  function niceCeiling(v) {
    const magnitude = Math.pow(10, Math.floor(Math.log10(v)));
    return [1, 2, 2.5, 5, 10].map(m => m * magnitude).find(c => c >= v);
  }

  // ---- frames ----------------------------------------------------------------------------------------------------

  async function framesPage(id, params) {
    id = id.toUpperCase();
    document.title = "Frames " + id + " - AP3000 support console";
    const to = Number(params.get("to")) || now();
    const from = Number(params.get("from")) || to - HOUR;
    const limit = Number(params.get("limit")) || 500;
    const found = await ConsoleApi.frames(id, { from, to, limit });
    const fromInput$ = h("input", { id: "frames-from", type: "datetime-local", step: 1, value: toInput(from) });
    const toInput$ = h("input", { id: "frames-to", type: "datetime-local", step: 1, value: toInput(to) });
    const limitSelect = h("select", { id: "frames-limit" }, [100, 500, 1000].map(n =>
      h("option", { value: n, selected: n === limit }, n)));
    const form = h("form", { class: "filters", onsubmit: event => {
      event.preventDefault();
      location.hash = framesHref(id, fromInput(fromInput$.value), fromInput(toInput$.value)) + "&limit=" + limitSelect.value;
    } },
    h("label", { for: "frames-from" }, "From", fromInput$),
    h("label", { for: "frames-to" }, "To", toInput$),
    h("label", { for: "frames-limit" }, "At most", limitSelect),
    h("button", { type: "submit", id: "frames-show" }, "Show"));
    const frames = found ? found.frames : [];
    return [h("h2", {}, "Frames of ", deviceLink(id)),
      h("section", { class: "wide" }, form,
        table(["time", "dir", "command", "msg#", "hex", "decoded"], frames.map(f => h("tr", { class: "frame " + f.direction },
          h("td", { class: "when" }, when(f.time, f.timeMs)),
          h("td", {}, f.direction === "in" ? "in" : "out", h("br"), h("span", { class: "muted" },
            f.direction === "in" ? "from device" : "to device")),
          h("td", { class: "command" }, f.command ? f.command + " " + (f.commandName || "") : "–"),
          h("td", { class: "num" }, f.messageId ?? ""),
          h("td", { class: "hex" }, f.hex),
          h("td", { class: "decoded" }, f.fields ? fields(f.fields) : h("span", { class: "muted" }, f.decodeError || "")))),
        found ? "no frames in this window" : "unknown device", { id: "frames-table" }),
        h("p", { class: "legend" }, frames.length + " frames, oldest first" + (frames.length === limit
          ? " (the first " + limit + " of the window: narrow it to see later ones)" : "")))];
  }

  render(false);
})();
