/*
 * The support console's ONLY contact with the gateway: every API call and every field name the console reads is
 * here. The pages (console.js) see the plain objects these functions return, never the API's JSON, so a change in
 * the API's shapes is adapted in this file alone.
 *
 * The API key is typed in by the user and kept in this tab's sessionStorage (gone when the tab closes); it is sent
 * as the X-API-Key header and never put in a URL.
 */
"use strict";

const ConsoleApi = (() => {
  const KEY_STORAGE = "ap3000-console-api-key";
  let apiKey = sessionStorage.getItem(KEY_STORAGE) || "";

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function setKey(key) {
    apiKey = key || "";
    if (apiKey) sessionStorage.setItem(KEY_STORAGE, apiKey); else sessionStorage.removeItem(KEY_STORAGE);
  }

  /** GET or POST /api/v1 + path; query parameters with a null value are left out. Answers the envelope's data. */
  async function call(method, path, query) {
    const params = new URLSearchParams();
    Object.entries(query || {}).forEach(([name, value]) => {
      if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
    });
    const url = "/api/v1" + path + (params.toString() ? "?" + params : "");
    const headers = { "Accept": "application/json" };
    if (apiKey) headers["X-API-Key"] = apiKey;
    const response = await fetch(url, { method, headers, credentials: "omit", cache: "no-store" });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, (body && body.message) || ("HTTP " + response.status));
    }
    return body ? body.data : null;
  }

  const get = (path, query) => call("GET", path, query);
  const seg = encodeURIComponent;
  /** null for a 404 (unknown, offline, nothing recorded), any other failure thrown. */
  const orNull = promise => promise.catch(e => { if (e.status === 404) return null; throw e; });

  // ---- field mapping: API JSON -> the console's objects ------------------------------------------------------

  function event(e) {
    return {
      time: e.timestamp !== undefined ? e.timestamp : e.time,
      eventId: e.event_id,
      type: e.event_type,
      deviceId: e.device_id,
      port: e.port_number === undefined ? null : e.port_number,
      direction: e.direction || null,
      frameHex: e.frame_hex || null,
      node: e.node || null,
      data: e.data || {}
    };
  }

  function session(s) {
    return {
      orderNo: s.order_id,
      deviceId: s.device_id,
      port: s.port_number,
      state: s.state,
      startTime: s.start_time === undefined ? null : s.start_time,
      endTime: s.end_time === undefined ? null : s.end_time,
      durationSeconds: s.duration_seconds === undefined ? null : s.duration_seconds,
      energyKwh: s.energy_kwh === undefined ? null : s.energy_kwh,
      maxPowerW: s.max_power_w === undefined ? null : s.max_power_w,
      avgPowerW: s.avg_power_w === undefined ? null : s.avg_power_w,
      stopReason: s.stop_reason === undefined ? null : s.stop_reason,
      stopReasonDesc: s.stop_reason_desc || null,
      failureReason: s.failure_reason || null,
      powerSamples: s.power_samples || 0,
      updatedAtMs: s.updated_at_ms,
      events: (s.events || []).map(event),
      power: (s.power_series || []).map(p => ({ time: p.time, watts: Number(p.watts) }))
    };
  }

  /** The settlement's money fields (null while the device reports none and the platform prices the energy). */
  function fees(settlementData) {
    const d = settlementData || {};
    return { total: d.total_fee === undefined ? null : d.total_fee, charge: d.charge_fee === undefined ? null
      : d.charge_fee, service: d.service_fee === undefined ? null : d.service_fee };
  }

  /** The gateway's device detail (/device/{id}/status?view=gateway, docs/api.md). */
  function deviceStatus(d) {
    return {
      deviceId: d.device_id,
      online: d.online !== false,
      remoteAddress: d.remote_addr || null,
      iccid: d.iccid || null,
      node: d.node || null,
      connectionId: d.conn_id === undefined ? null : d.conn_id,
      onlineSince: d.online_since || null,
      lastSeen: d.last_seen || null,
      firmware: d.firmware_version || null,
      portCount: d.port_count === undefined ? null : d.port_count,
      ports: (d.ports || []).map(p => ({ port: p.port, status: p.status, statusDesc: p.status_desc,
        orderNo: p.order_no || null }))
    };
  }

  function heartbeatHour(h) {
    return {
      hourStart: Math.floor(Date.parse(h.hour) / 1000),
      count: h.count,
      first: h.first,
      last: h.last,
      longestGapSeconds: h.longest_gap_seconds === null ? null : Number(h.longest_gap_seconds),
      longestGapStarted: h.longest_gap_started
    };
  }

  function frame(f) {
    return {
      time: f.timestamp,
      timeMs: f.timestamp_ms,
      direction: f.direction,
      hex: f.frame_hex,
      command: f.command || null,
      commandName: f.command_name || null,
      messageId: f.message_id === undefined ? null : f.message_id,
      fields: f.fields || null,
      decodeError: f.decode_error || null
    };
  }

  function attempt(a) {
    return { endpoint: a.endpoint, atMs: a.at, status: a.status, latencyMs: a.latency_ms, error: a.error || null,
      node: a.node || null };
  }

  function deadLetter(l) {
    return { id: l.id, endpoint: l.endpoint, eventId: l.event_id, eventType: l.event_type, deviceId: l.device_id,
      deadLetteredAt: l.dead_lettered_at, attempts: l.attempts, lastStatus: l.last_status,
      lastError: l.last_error || null };
  }

  // ---- the calls ---------------------------------------------------------------------------------------------

  return {
    ApiError,
    setKey,
    hasKey: () => apiKey !== "",

    /** One session with its events and power series; null when the order is unknown. */
    session: async orderNo => {
      const s = await orNull(get("/audit/sessions/" + seg(orderNo)));
      return s && session(s);
    },
    fees,

    /** The device as this node (or its owner node) sees it now; null when it is not online. */
    deviceStatus: async deviceId => {
      // the gateway's own detail (snake_case, with the node), not IoT-Zinx's answer on the same path
      const d = await orNull(get("/device/" + seg(deviceId) + "/status", { view: "gateway" }));
      return d && deviceStatus(d);
    },

    /** Audited events, oldest first; null when the device has no audit trail. Times in Unix seconds. */
    deviceEvents: async (deviceId, { from, to, type, limit } = {}) => {
      const d = await orNull(get("/audit/devices/" + seg(deviceId) + "/events", { from, to, type, limit }));
      return d && { deviceId: d.device_id, from: d.from, to: d.to, events: d.events.map(event) };
    },

    /** The device's sessions, newest first. */
    deviceSessions: async (deviceId, limit) => {
      const d = await orNull(get("/audit/devices/" + seg(deviceId) + "/sessions", { limit }));
      return d ? d.sessions.map(session) : [];
    },

    /** Hourly heartbeat summaries, oldest first (hours without a heartbeat are absent). */
    heartbeats: async (deviceId, { from, to } = {}) => {
      const d = await orNull(get("/audit/devices/" + seg(deviceId) + "/heartbeats", { from, to }));
      return d ? { from: d.from, to: d.to, hours: d.hours.map(heartbeatHour) } : null;
    },

    /** Raw frames both ways, oldest first, decoded; null when the device is unknown. */
    frames: async (deviceId, { from, to, limit } = {}) => {
      const d = await orNull(get("/audit/devices/" + seg(deviceId) + "/frames", { from, to, limit }));
      return d && { deviceId: d.device_id, from: d.from, to: d.to, frames: d.frames.map(frame) };
    },

    /** Every event type the gateway knows (the audit's counters list them all). */
    eventTypes: async () => Object.keys((await get("/audit/stats")).counts),

    /** Every webhook request made for an event, oldest first; empty when none was made. */
    attempts: async eventId => {
      const d = await orNull(get("/notifications/" + seg(eventId) + "/attempts"));
      return d ? d.attempts.map(attempt) : [];
    },

    /** Dead letters dead-lettered at or after from (Unix seconds). */
    deadLetters: async ({ from, limit } = {}) =>
      (await get("/notifications/dead-letters", { from, limit })).dead_letters.map(deadLetter),

    /** Queues one dead letter again (same event_id). */
    replay: id => call("POST", "/notifications/dead-letters/" + seg(id) + "/replay")
  };
})();
