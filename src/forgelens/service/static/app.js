// forgelens web page: a queue of uploads (POST /v1/analyses), polled until done, then the whole
// report (report.html, rendered by the server) beside an overlay with opacity, before/after and
// per-trace maps; cases with their audit log and export. No external resources.
'use strict';
const $ = id => document.getElementById(id);
const state = {token: sessionStorage.getItem('forgelens-token') || '', items: [], shown: null, layerUrl: null};

function el(tag, attrs = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  const r = await fetch(path, Object.assign({}, opts, {headers}));
  if (!r.ok) {
    let detail = 'HTTP ' + r.status;
    try { const b = await r.json(); detail = typeof b.detail === 'string' ? b.detail : JSON.stringify(b.detail); } catch (e) { /* not JSON */ }
    const err = new Error(detail); err.status = r.status; err.retryAfter = Number(r.headers.get('Retry-After') || 0);
    throw err;
  }
  return r;
}
const json = async (path, opts) => (await api(path, opts)).json();

function say(text, cls = 'muted') { $('status').className = cls; $('status').textContent = text; }

async function download(path, name) {
  const blob = await (await api(path)).blob();
  const a = el('a', {href: URL.createObjectURL(blob), download: name});
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
}

// ---- cases
async function loadCases(select) {
  const cases = await json('/v1/cases');
  const s = $('case-select'), keep = select || s.value;
  s.replaceChildren(el('option', {value: ''}, 'no case'));
  for (const c of cases) s.appendChild(el('option', {value: c.id}, c.name));
  s.value = keep;
}
$('case-create').onclick = async () => {
  const name = $('case-name').value.trim();
  if (!name) { say('Give the new case a name first.', 'err'); $('case-name').focus(); return; }
  try {
    const c = await json('/v1/cases', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name})});
    await loadCases(c.id); $('case-name').value = ''; say('Case "' + name + '" created; new pictures go into it.');
    await showCase(c.id);
  } catch (e) { say('Could not create the case: ' + e.message, 'err'); }
};
$('case-open').onclick = () => { if ($('case-select').value) showCase($('case-select').value); else say('Choose a case first.', 'err'); };

async function showCase(id) {
  const c = await json('/v1/cases/' + id);
  $('case').hidden = false;
  $('case-view-h').textContent = 'Case: ' + c.name;
  $('case-meta').textContent = c.items.length + ' picture(s); created ' + c.created_at + ' by ' + c.created_by + '.';
  const tb = $('case-items'); tb.replaceChildren();
  for (const it of c.items) {
    const tr = el('tr');
    tr.append(el('td', {}, it.filename), el('td', {class: it.label || (it.error ? 'err' : '')}, it.headline || it.label || it.status + (it.error ? ': ' + it.error : '')),
              el('td', {}, ''), el('td', {}, it.note || ''));
    tr.children[2].appendChild(el('code', {}, it.input_sha256));
    const td = el('td'), b = el('button', {type: 'button'}, 'Show report');
    b.setAttribute('aria-label', 'Show the report of ' + it.filename);
    b.onclick = () => show({jobId: it.job_id, name: it.filename, objectUrl: null});
    b.disabled = it.status !== 'done';
    td.appendChild(b); tr.appendChild(td); tb.appendChild(tr);
  }
  const log = $('case-audit'); log.replaceChildren();
  for (const a of c.audit) log.appendChild(el('li', {}, `${a.at} ${a.actor}: ${a.action}` + (a.verdict ? ` (${a.verdict})` : '') + (a.detail ? ' — ' + a.detail : '')));
  $('case-export').onclick = async () => {
    try { await download('/v1/cases/' + id + '/export', 'case-' + c.name.replace(/[^A-Za-z0-9._-]+/g, '_') + '.zip'); say('Case exported.'); }
    catch (e) { say('Export failed: ' + e.message, 'err'); }
  };
  $('case-delete').onclick = async () => {
    if (!confirm('Delete the case "' + c.name + '"? Its pictures\' analyses stay with whoever sent them; both audit logs keep the deletion.')) return;
    try {
      await api('/v1/cases/' + id, {method: 'DELETE'});
      $('case').hidden = true;
      if ($('case-select').value === id) $('case-select').value = '';
      await loadCases('');
      say('Case "' + c.name + '" deleted; its audit log is kept (GET /v1/audit?case_id=' + id + ').');
    } catch (e) { say('Could not delete the case: ' + e.message, 'err'); }
  };
}

// ---- earlier analyses: the server keeps every job of this token, the queue above only this visit's
async function loadHistory() {
  const jobs = await json('/v1/analyses?limit=100');
  const ol = $('history'); ol.replaceChildren();
  for (const j of jobs) {
    const failed = j.status === 'failed' || j.status === 'cancelled';
    const words = j.headline || j.label || j.status + (j.error ? ': ' + j.error : '');
    const b = el('button', {type: 'button', 'aria-label': 'Show the report of ' + j.filename}, 'Show report');
    b.disabled = j.status !== 'done';
    b.onclick = () => show({jobId: j.id, name: j.filename, objectUrl: null});
    const li = el('li');
    li.append(el('strong', {}, j.filename), ' ', el('span', {class: j.label || (failed ? 'err' : 'muted')}, words), ' ',
              el('span', {class: 'muted'}, j.created_at || ''), ' ', b);
    ol.appendChild(li);
  }
  $('history-box').hidden = !jobs.length;
}
$('history-refresh').onclick = () => loadHistory().catch(e => say('Could not list your analyses: ' + e.message, 'err'));

// ---- queue
const drop = $('drop');
drop.ondragover = e => { e.preventDefault(); drop.classList.add('over'); };
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = e => { e.preventDefault(); drop.classList.remove('over'); enqueue([...e.dataTransfer.files]); };
$('file').onchange = () => { enqueue([...$('file').files]); $('file').value = ''; };

function enqueue(files) { for (const f of files) start(f); }

function setItem(item, status, value, cls = '') {
  item.status = status;
  item.text.textContent = status; item.text.className = cls;
  if (value === null) item.progress.removeAttribute('value'); else item.progress.value = value;
}

async function start(file) {
  const li = el('li'), progress = el('progress', {max: '1', 'aria-label': 'progress of ' + file.name});
  const item = {file, name: file.name, li, progress, text: el('span'), jobId: null, objectUrl: URL.createObjectURL(file), caseId: $('case-select').value};
  const showB = el('button', {type: 'button', 'aria-label': 'Show the report of ' + file.name}, 'Show report');
  const cancelB = el('button', {type: 'button', 'aria-label': 'Cancel or delete the analysis of ' + file.name}, 'Cancel');
  showB.disabled = true; item.showB = showB;
  showB.onclick = () => show(item);
  cancelB.onclick = async () => { if (item.jobId) { await api('/v1/analyses/' + item.jobId, {method: 'DELETE'}).catch(() => {}); } item.cancelled = true; };
  li.append(el('strong', {}, file.name), ' ', progress, ' ', item.text, ' ', showB, ' ', cancelB);
  $('queue').appendChild(li); state.items.push(item);
  setItem(item, 'uploading', null);
  const fd = new FormData(); fd.append('file', file);
  if (item.caseId) fd.append('case_id', item.caseId);
  if ($('keep').checked) fd.append('keep_original', 'true');
  for (;;) {
    try { item.jobId = (await json('/v1/analyses', {method: 'POST', body: fd})).id; break; }
    catch (e) {
      if (e.status === 429 && !item.cancelled) { const s = e.retryAfter || 5; setItem(item, 'server busy: ' + e.message + '; retrying in ' + s + ' s', null); await new Promise(r => setTimeout(r, s * 1000)); continue; }
      setItem(item, 'refused: ' + e.message, 0, 'err'); return;
    }
  }
  poll(item);
}

async function poll(item) {
  for (;;) {
    let j;
    try { j = await json('/v1/analyses/' + item.jobId + '?report=false'); }
    catch (e) {
      // No answer or a 5xx: the server (or a proxy before it) is restarting. The job is in its
      // database, so keep asking: the restarted server says how it ended (done, or interrupted).
      if (!e.status || e.status >= 500) { setItem(item, 'server not answering (' + e.message + '); asking again…', null); await new Promise(r => setTimeout(r, 2000)); continue; }
      setItem(item, 'lost: ' + e.message, 0, 'err'); return;
    }
    if (j.status === 'queued') setItem(item, 'queued' + (j.progress && j.progress.queue_position ? ' (position ' + j.progress.queue_position + ')' : ''), 0.25);
    else if (j.status === 'running') setItem(item, 'analysing…', 0.6);
    else if (j.status === 'done') {
      setItem(item, 'done: ' + (j.headline || j.label), 1, j.label); item.showB.disabled = false;
      if (!state.shown) show(item);
      if (item.caseId && !$('case').hidden) showCase(item.caseId);
      return;
    } else { setItem(item, j.status + (j.error ? ': ' + j.error : ''), 1, 'err'); return; }
    await new Promise(r => setTimeout(r, 700));
  }
}

// ---- one report
async function blobUrl(path) { return URL.createObjectURL(await (await api(path)).blob()); }

async function setLayer(path) {
  const url = await blobUrl(path);
  if (state.layerUrl) URL.revokeObjectURL(state.layerUrl);
  state.layerUrl = url; $('layer').src = url;
}

async function show(item) {
  state.shown = item;
  const base = '/v1/analyses/' + item.jobId;
  const j = await json(base + '?report=false');
  $('result').hidden = false;
  $('result-h').textContent = 'Report: ' + j.filename;
  $('result-line').textContent = (j.headline ? j.headline + '. ' : '') + `${j.filename}: ${j.input_format || ''}, ${j.input_size} bytes, SHA-256 ${j.input_sha256}, analysed in ${(j.seconds && j.seconds.total || 0).toFixed(2)} s by forgelens ${j.tool_version}.`;
  const before = $('before'), layer = $('layer');
  before.hidden = !item.objectUrl;
  if (item.objectUrl) before.src = item.objectUrl;
  layer.style.position = item.objectUrl ? 'absolute' : 'static';
  const fs = $('maps'); fs.replaceChildren(el('legend', {}, 'Map shown'));
  const choices = [['overlay.png', 'Fused map over the picture'], ['heatmap.png', 'Fused map'], ['mask.png', 'Mask']]
    .concat(j.files.filter(f => f.startsWith('maps/')).map(f => [f, 'Trace: ' + f.slice(5, -4)]))
    .filter(([f]) => j.files.includes(f));
  choices.forEach(([f, label], i) => {
    const id = 'map-' + i, r = el('input', {type: 'radio', name: 'map', id, value: f});
    if (i === 0) r.checked = true;
    r.onchange = () => setLayer(base + '/' + f);
    const l = el('label', {for: id}); l.append(r, ' ' + label); fs.appendChild(l);
  });
  if (choices.length) await setLayer(base + '/' + choices[0][0]); else layer.removeAttribute('src');
  applyView();
  for (const b of $('downloads').querySelectorAll('button')) {
    b.disabled = !j.files.includes(b.dataset.file);
    b.onclick = () => download(base + '/' + b.dataset.file + '?download=1', j.filename.replace(/\.[^.]*$/, '') + '-' + b.dataset.file).catch(e => say('Download failed: ' + e.message, 'err'));
  }
  $('report').srcdoc = await (await api(base + '/report.html')).text();
}

function applyView() {
  $('layer').style.opacity = $('opacity').value / 100;
  $('layer').style.clipPath = `inset(0 0 0 ${$('split').value}%)`;
}
$('opacity').oninput = applyView;
$('split').oninput = applyView;

// ---- start
$('token-save').onclick = async () => {
  state.token = $('token').value.trim(); sessionStorage.setItem('forgelens-token', state.token);
  try { await loadCases(); await loadHistory(); say('Token accepted.'); } catch (e) { say('Token refused: ' + e.message, 'err'); }
};
(async () => {
  try {
    const cfg = await (await fetch('/api/config')).json();
    if (cfg.auth) { $('token-box').hidden = false; $('token').value = state.token; }
    if (!cfg.auth || state.token) { await loadCases(); await loadHistory(); }
  } catch (e) { say('The server did not answer: ' + e.message, 'err'); }
})();
