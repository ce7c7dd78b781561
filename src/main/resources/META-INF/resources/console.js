// longlink operator console: plain browser JavaScript, no build step. Every call goes to the documented HTTP API;
// the API key (when auth is on) lives in sessionStorage only and is sent as X-API-Key.
'use strict';

const KEY = 'longlink.api-key';
const POLL_MS = 2000;
const TAIL_MAX = 200;

const rows = new Map();        // id -> { tr, status, lastCounts: {at, sent, received}, rates }
let selected = null;           // id of the connection shown in the detail panel
let roles = null;              // null: everything allowed (auth off); else a Set of role names
let tail = null;               // the running inbound stream of the selected connection
let tailPaused = false;

const $ = (id) => document.getElementById(id);

// --- HTTP ---

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const key = sessionStorage.getItem(KEY);
  if (key) headers.set('X-API-Key', key);
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) throw new Unauthorized();
  return response;
}

async function json(path, options) {
  const response = await api(path, options);
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && (body.detail || body.title) ? body.detail || body.title : 'HTTP ' + response.status;
    throw new Error(detail);
  }
  return body;
}

// Server-Sent Events over fetch (EventSource cannot send the API key); reconnects with Last-Event-ID.
function stream(path, onEvent, onState) {
  let lastId = null;
  let stopped = false;
  let controller = null;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = lastId ? { 'Last-Event-ID': lastId } : {};
        const response = await api(path, { headers, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error('HTTP ' + response.status);
        onState && onState(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = { name: 'message', id: null, data: '' };
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event.name = line.slice(6).trim();
              else if (line.startsWith('id:')) event.id = line.slice(3).trim();
              else if (line.startsWith('data:')) event.data += line.slice(5).trim();
            }
            if (event.id) lastId = event.id;
            if (event.data) onEvent(event);
          }
        }
      } catch (e) {
        if (e instanceof Unauthorized) { showLogin(); return; }
        if (stopped) return;
      }
      onState && onState(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  run();
  return { stop() { stopped = true; if (controller) controller.abort(); } };
}

// --- words for codes ---

const CLOSE_CODES = {
  1000: 'normal closure', 1001: 'going away', 1002: 'protocol error', 1003: 'unsupported data',
  1005: 'no status code given', 1006: 'connection dropped without a close frame', 1007: 'invalid payload data',
  1008: 'policy violation', 1009: 'message too big', 1010: 'extension missing', 1011: 'upstream internal error',
  1012: 'service restart', 1013: 'try again later', 1014: 'bad gateway', 1015: 'TLS handshake failure',
};

function closeWords(status) {
  if (status.lastCloseCode == null) return 'none yet';
  const words = CLOSE_CODES[status.lastCloseCode] || 'code ' + status.lastCloseCode;
  return `${status.lastCloseCode} (${words})${status.lastCloseReason ? ': ' + status.lastCloseReason : ''}`;
}

function when(iso) {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  return seconds > 0 ? `in ${seconds} s (${new Date(iso).toLocaleTimeString()})` : new Date(iso).toLocaleTimeString();
}

// --- what the key may do ---

function may(role) {
  return roles === null || roles.has('admin') || roles.has(role);
}

async function loadRoles() {
  const response = await api('/whoami');
  if (response.status === 404) { roles = null; return; }
  const me = await response.json();
  roles = new Set(me.roles || []);
  $('forget-key').hidden = !sessionStorage.getItem(KEY);
}

// --- the table ---

// a cell holds one wrapper, so that on a phone (one card per connection) the label and the value stay side by side
function cell(tr, label, content) {
  const td = document.createElement('td');
  td.dataset.label = label;
  const value = document.createElement('span');
  if (content instanceof Node) value.append(content); else value.textContent = content;
  td.append(value);
  tr.append(td);
  return value;
}

function button(text, label, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', action);
  return b;
}

function render(status) {
  let row = rows.get(status.id);
  if (!row) {
    row = { tr: document.createElement('tr'), status: null, lastCounts: null, rates: { sent: 0, received: 0 } };
    row.tr.dataset.connection = status.id;
    rows.set(status.id, row);
    $('connections').tBodies[0].append(row.tr);
  }
  const now = Date.now();
  if (row.lastCounts && now - row.lastCounts.at >= 1000) {
    const seconds = (now - row.lastCounts.at) / 1000;
    row.rates = {
      sent: Math.max(0, (status.sent - row.lastCounts.sent) / seconds),
      received: Math.max(0, (status.received - row.lastCounts.received) / seconds),
    };
  }
  if (!row.lastCounts || now - row.lastCounts.at >= 1000) {
    row.lastCounts = { at: now, sent: status.sent, received: status.received };
  }
  row.status = status;
  const tr = row.tr;
  tr.replaceChildren();
  const name = document.createElement('strong');
  name.textContent = status.id;
  cell(tr, 'Connection', name);
  const badge = document.createElement('span');
  badge.className = 'state state-' + status.state;
  badge.textContent = status.state;
  cell(tr, 'State', badge);
  cell(tr, 'Desired', status.desired);
  cell(tr, 'Generation', String(status.generation));
  cell(tr, 'Attempt', status.attempt + (status.nextAttemptAt ? ' · next ' + when(status.nextAttemptAt) : ''));
  cell(tr, 'Queued', String(status.queued));
  cell(tr, 'Sent', `${status.sent} `).append(rate(row.rates.sent));
  cell(tr, 'Received', `${status.received} `).append(rate(row.rates.received));
  cell(tr, 'Round trip', status.rttMillis == null ? '—' : status.rttMillis + ' ms');
  const actions = cell(tr, 'Actions', '');
  actions.parentElement.className = 'actions';
  if (may('operator')) {
    actions.append(button('Open', 'Open connection ' + status.id, () => act(status.id, 'open')));
    actions.append(button('Close', 'Close connection ' + status.id, () => act(status.id, 'close')));
  }
  actions.append(button('Details', 'Show details of connection ' + status.id, () => select(status.id)));
  tr.classList.toggle('selected', selected === status.id);
  if (selected === status.id) renderDetail(status);
  $('empty').hidden = rows.size > 0;
}

function rate(perSecond) {
  const span = document.createElement('span');
  span.className = 'rate';
  span.textContent = `(${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)}/s)`;
  return span;
}

async function act(id, verb) {
  try {
    render(await json(`/connections/${encodeURIComponent(id)}/${verb}`, { method: 'POST' }));
  } catch (e) {
    if (e instanceof Unauthorized) showLogin(); else alert(`${verb} ${id}: ${e.message}`);
  }
}

async function refresh() {
  try {
    const list = await json('/connections');
    const seen = new Set(list.map((s) => s.id));
    for (const [id, row] of rows) if (!seen.has(id)) { row.tr.remove(); rows.delete(id); }
    list.forEach(render);
  } catch (e) {
    if (e instanceof Unauthorized) showLogin();
  }
}

async function refreshOne(id) {
  try {
    render(await json(`/connections/${encodeURIComponent(id)}`));
  } catch (e) {
    if (e instanceof Unauthorized) showLogin();
  }
}

// --- the detail panel ---

function renderDetail(status) {
  $('detail-title').textContent = 'Connection ' + status.id;
  $('detail-url').textContent = status.url;
  $('detail-error').textContent = status.lastError || 'none';
  $('detail-close').textContent = closeWords(status);
  $('detail-next').textContent = status.nextAttemptAt ? when(status.nextAttemptAt) : '—';
}

function select(id) {
  selected = id;
  $('detail').hidden = false;
  $('send-form').hidden = !may('producer');
  $('lookup-form').hidden = !may('producer');
  $('request-form').hidden = !may('producer');
  $('tail-panel').hidden = !may('consumer');
  $('send-result').textContent = '';
  $('request-result').textContent = '';
  $('request-reply').textContent = '';
  $('lookup-result').textContent = '';
  for (const [other, row] of rows) row.tr.classList.toggle('selected', other === id);
  if (rows.has(id)) renderDetail(rows.get(id).status);
  startTail(id);
}

function startTail(id) {
  if (tail) tail.stop();
  $('tail').replaceChildren();
  if (!may('consumer')) return;
  tail = stream(`/connections/${encodeURIComponent(id)}/inbound/stream`, (event) => {
    if (tailPaused) return;
    const message = JSON.parse(event.data);
    const li = document.createElement('li');
    li.value = message.seq;
    li.textContent = `${message.type === 'binary' ? '[binary, base64] ' : ''}${message.data}`;
    $('tail').append(li);
    while ($('tail').children.length > TAIL_MAX) $('tail').firstElementChild.remove();
  });
}

$('tail-toggle').addEventListener('click', () => {
  tailPaused = !tailPaused;
  $('tail-toggle').textContent = tailPaused ? 'Resume inbound tail' : 'Pause inbound tail';
});

$('send-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = selected;
  const type = document.querySelector('input[name="send-type"]:checked').value;
  const body = $('send-body').value;
  if (type === 'application/json') {
    try { JSON.parse(body); } catch (err) { $('send-result').textContent = 'Not valid JSON: ' + err.message; return; }
  }
  try {
    const accepted = await json(`/connections/${encodeURIComponent(id)}/messages`, {
      method: 'POST', headers: { 'Content-Type': type }, body,
    });
    $('send-result').textContent = `Message ${accepted.id}: ${accepted.state}`;
    followMessage(id, accepted.id);
  } catch (err) {
    $('send-result').textContent = err instanceof Unauthorized ? 'API key refused' : 'Not sent: ' + err.message;
  }
});

async function followMessage(id, messageId) {
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const m = await json(`/connections/${encodeURIComponent(id)}/messages/${messageId}`);
      $('send-result').textContent = `Message ${messageId}: ${m.state}`;
      if (m.state !== 'QUEUED') return;
    } catch (err) {
      return;
    }
  }
}

// a request over the socket: the reply (pretty-printed when it is JSON) and its round trip, or why there is none
$('request-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = $('request-body').value;
  try { JSON.parse(body); } catch (err) { $('request-result').textContent = 'Not valid JSON: ' + err.message; return; }
  const timeout = $('request-timeout').value.trim();
  const query = timeout ? `?timeout=${encodeURIComponent(timeout)}` : '';
  $('request-result').textContent = 'Waiting for the reply…';
  $('request-reply').textContent = '';
  try {
    const response = await api(`/connections/${encodeURIComponent(selected)}/requests${query}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body,
    });
    const text = await response.text();
    const id = response.headers.get('Longlink-Request-Id');
    if (response.ok) {
      $('request-result').textContent = `Reply to request ${id} in ${response.headers.get('Longlink-Round-Trip-Ms')} ms`;
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (err) { /* shown as it came */ }
      $('request-reply').textContent = shown;
    } else {
      let problem = null;
      try { problem = JSON.parse(text); } catch (err) { /* no problem document */ }
      $('request-result').textContent = `${response.status} ${problem && problem.title ? problem.title : ''}`
        + (problem && problem.detail ? `: ${problem.detail}` : '');
    }
  } catch (err) {
    $('request-result').textContent = err instanceof Unauthorized ? 'API key refused' : 'Not sent: ' + err.message;
  }
});

$('lookup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const messageId = $('lookup-id').value.trim();
  try {
    const m = await json(`/connections/${encodeURIComponent(selected)}/messages/${encodeURIComponent(messageId)}`);
    $('lookup-result').textContent = `Message ${m.id}: ${m.state}, enqueued ${new Date(m.enqueuedAt).toLocaleString()}`
      + (m.sentAt ? `, sent ${new Date(m.sentAt).toLocaleString()}` : '');
  } catch (err) {
    $('lookup-result').textContent = err instanceof Unauthorized ? 'API key refused' : err.message;
  }
});

// --- sign-in and start ---

function showLogin() {
  $('console').hidden = true;
  $('login').hidden = false;
  $('api-key').focus();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $('api-key').value);
  $('api-key').value = '';
  try {
    await json('/connections');
    $('login-error').textContent = '';
    start();
  } catch (err) {
    sessionStorage.removeItem(KEY);
    $('login-error').textContent = err instanceof Unauthorized ? 'This API key was not accepted.' : err.message;
  }
});

$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  location.reload();
});

let started = false;

async function start() {
  try {
    await loadRoles();
    await json('/connections');
  } catch (e) {
    if (e instanceof Unauthorized) { showLogin(); return; }
  }
  $('login').hidden = true;
  $('console').hidden = false;
  await refresh();
  if (started) return;
  started = true;
  setInterval(refresh, POLL_MS);
  stream('/events', (event) => {
    const change = JSON.parse(event.data);
    const row = rows.get(change.connection);
    if (row) render({ ...row.status, state: change.state, generation: change.generation, attempt: change.attempt });
    refreshOne(change.connection);
  }, (up) => { $('live').textContent = up ? 'live: state changes stream in' : 'event stream lost: retrying…'; });
}

start();
