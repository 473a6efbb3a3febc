// lobbyweb's pages: the catalog, the header with the language switch, the
// live stream (events, alerts, fire mode) and each page's own part. Text is
// set with textContent only: nothing from lobbyd is read as HTML.
let cat = {}, me = null;
const page = document.body.dataset.page;

// A word lobbyd sent that the catalog does not know yet is shown as sent
// ("visitor_registered"), never as the catalog's key.
export function t(key) { return cat[key] ?? key.replace(/^[a-z]+\./, ''); }

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

function langOf() {
  const c = document.cookie.match(/(?:^|; )lw_lang=([^;]*)/);
  if (c) return c[1] === 'en' ? 'en' : 'zh-CN';
  for (const l of navigator.languages || [])
    if (l.startsWith('en')) return 'en'; else if (l.startsWith('zh')) return 'zh-CN';
  return 'zh-CN';
}

// Times in the site's zone (the browser's, at the desk), 24-hour.
function time(ms, withDate) {
  if (!ms) return '';
  const d = new Date(ms), p = n => String(n).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}` : hm;
}

async function api(cmd, args) {
  const q = args ? '?a=' + encodeURIComponent(JSON.stringify(args)) : '';
  const r = await fetch('/api/q/' + cmd + q, { credentials: 'same-origin' });
  if (r.status === 401) { location.href = '/login'; throw new Error('login'); }
  const j = await r.json();
  if (!r.ok) throw j;
  return j.data;
}

async function post(cmd, args) {
  const r = await fetch('/api/do/' + cmd, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf },
    body: JSON.stringify(args || {}) });
  const j = await r.json();
  if (!r.ok) throw j;
  return j.data;
}

function errText(e) { return e && e.code ? t(e.code) + (e.code === 'err.lobbyd' ? e.error : '') : String(e); }

function translate() {
  document.documentElement.lang = langOf();
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  document.title = t('app.title');
}

function header() {
  const top = document.getElementById('top');
  const nav = el('nav');
  const links = [['/', 'nav.feed'], ['/devices', 'nav.devices'], ['/muster', 'nav.muster']];
  if (me && (me.role === 'frontdesk' || me.role === 'manager')) links.push(['/visitors', 'nav.visitors']);
  if (me) for (const [href, key] of links)
    nav.append(el('a', { href, text: t(key), class: location.pathname === href ? 'here' : '' }));
  const other = langOf() === 'en' ? 'zh-CN' : 'en';
  const sw = el('button', { id: 'lang', type: 'button', text: other === 'en' ? 'English' : '中文',
    onclick: () => { document.cookie = `lw_lang=${other}; path=/; SameSite=Strict`; location.reload(); } });
  top.replaceChildren(el('span', { class: 'brand', text: t('app.title') }), nav, el('span', { class: 'grow' }));
  if (me) {
    top.append(el('span', { class: 'who', text: `${me.name} · ${t('role.' + me.role)}` }),
      el('button', { type: 'button', text: t('nav.logout'), onclick: async () => {
        await fetch('/api/logout', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf } });
        location.href = '/login'; } }));
  }
  top.append(sw);
}

// ---- fire mode: takes over every page, cannot be dismissed ----
function fire(f) {
  const box = document.getElementById('fire');
  const on = f && f.mode && f.mode !== 'off' && f.mode !== 'unknown';
  document.body.classList.toggle('fire', !!on);
  box.hidden = !on;
  if (!on) { box.replaceChildren(); return; }
  const kids = [el('div', { class: 'big', text: t('fire.banner') }),
    el('div', { text: `${t('fire.since')} ${time(f.since_ms, true)} · ${f.source || ''}` })];
  if (f.awaiting_reset) kids.push(el('div', { text: t('fire.awaiting') }));
  const acts = el('div', { class: 'acts' }, el('a', { href: '/muster', text: t('fire.muster') }));
  if (f.awaiting_reset && !f.reset_blocked && me && me.role !== 'engineering')
    acts.append(el('button', { type: 'button', text: t('fire.reset'),
      onclick: () => post('fire.reset').catch(e => alert(errText(e))) }));
  kids.push(acts);
  box.replaceChildren(...kids);
}

const handlers = { ev: [], alert: [] };
function stream() {
  const es = new EventSource('/api/stream');
  es.addEventListener('fire', m => fire(JSON.parse(m.data)));
  es.addEventListener('ev', m => handlers.ev.forEach(h => h(JSON.parse(m.data))));
  es.addEventListener('alert', m => handlers.alert.forEach(h => h(JSON.parse(m.data))));
  es.onerror = () => document.getElementById('offline')?.removeAttribute('hidden');
  es.onopen = () => document.getElementById('offline')?.setAttribute('hidden', '');
}

function row(cells) { return el('tr', {}, ...cells.map(c => c instanceof Node ? el('td', {}, c) : el('td', { text: c ?? '' }))); }

// ---- pages ----
async function feedPage() {
  const tb = document.querySelector('#events tbody'), ab = document.querySelector('#alerts tbody');
  const evRow = e => {
    const r = row([time(e.ts_ms), t('ev.' + e.kind), e.lane + (e.direction ? ' ' + t('dir.' + e.direction) : ''),
      e.credential, e.decision ? t('dec.' + e.decision) + (e.reason_text ? ' — ' + e.reason_text : '') : e.detail, e.actor]);
    r.className = e.decision || e.kind;
    return r;
  };
  const add = e => { tb.prepend(evRow(e)); while (tb.rows.length > 200) tb.deleteRow(-1); };
  (await api('events', { limit: 50 })).forEach(add);
  const alerts = new Map();
  const showAlerts = () => {
    const list = [...alerts.values()].filter(a => !a.cleared_ms).sort((a, b) => b.raised_ms - a.raised_ms);
    ab.replaceChildren(...list.map(a => {
      const ack = a.acked_ms ? document.createTextNode(`${t('feed.acked')} (${a.acked_by})`) :
        el('button', { type: 'button', text: t('feed.ack'), onclick: async () => {
          const note = prompt(t('feed.ack_note')); if (note === null) return;
          try { alerts.set(a.id, await post('alert.ack', { id: a.id, note })); showAlerts(); }
          catch (e) { alert(errText(e)); } } });
      const r = row([time(a.raised_ms), t('sev.' + a.severity), a.source, a.message, ack]);
      r.className = a.severity; return r;
    }));
    if (!list.length) ab.append(row([t('feed.none')]));
  };
  (await api('alerts')).forEach(a => alerts.set(a.id, a));
  showAlerts();
  handlers.ev.push(add);
  handlers.alert.push(a => { alerts.set(a.id, a); showAlerts(); });
}

async function devicesPage() {
  const tb = document.querySelector('#devices tbody');
  const load = async () => {
    const list = await api('devices');
    tb.replaceChildren(...list.map(d => {
      const state = d.online ? t('state.' + d.state) : t('state.offline');
      const det = el('details', {}, el('summary', { text: t('col.detail') }),
        el('pre', { text: `link ${d.link}\nfault_code ${d.fault_code}\nfailures ${d.failures}\n${d.reason || ''}` }));
      const r = row([d.name, t('kind.' + d.kind), state, time(d.since_ms, true), det]);
      r.className = 'st-' + (d.online ? d.state : 'offline'); return r;
    }));
  };
  await load();
  handlers.ev.push(e => { if (/device|fault/.test(e.kind)) load(); });
}

async function musterPage() {
  const tb = document.querySelector('#muster tbody');
  const list = await api('inside');
  list.sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name));
  tb.replaceChildren(...list.map(p => row([p.zone, p.name, p.id_mask, p.unit, time(p.since_ms, true), p.lane])));
  document.getElementById('count').textContent = t('muster.count') + list.length;
  document.getElementById('print').onclick = () => print();
}

async function visitorsPage() {
  const f = document.getElementById('reg'), out = document.getElementById('regout');
  for (const s of f.querySelectorAll('select')) for (const o of s.options) o.textContent = t(o.dataset.key);
  const tb = document.querySelector('#today tbody');
  const load = async () => {
    const list = await api('visitor.list', { today: true });
    tb.replaceChildren(...list.map(p => {
      const act = p.state === 'pending' ? el('button', { type: 'button', text: t('vis.confirm'), onclick: async () => {
        try { await post('visitor.confirm', { id: p.id }); load(); } catch (e) { alert(errText(e)); } } }) : '';
      const r = row([time(p.issued_ms), p.name, t('cls.' + p.class), p.id_mask, `${p.unit} ${p.host}`, t('pass.' + p.state), act]);
      r.className = p.state; return r;
    }));
  };
  f.onsubmit = async ev => {
    ev.preventDefault();
    const d = Object.fromEntries(new FormData(f));
    const args = { name: d.name, class: d.class, id_type: d.id_type, id_number: d.id_number,
      host_unit: d.host_unit, host: d.host, purpose: d.purpose, party: Number(d.party || 1) };
    if (d.appointment) args.appointment = true;
    if (d.card) args.card = d.card.toUpperCase();
    try { const p = await post('visitor.register', args);
      out.className = 'ok'; out.textContent = t('vis.saved') + (p.code || p.credential || p.id);
      f.reset(); load(); }
    catch (e) { out.className = 'bad'; out.textContent = errText(e); }
  };
  await load();
}

async function loginPage() {
  const f = document.getElementById('login'), out = document.getElementById('out');
  f.onsubmit = async ev => {
    ev.preventDefault();
    out.textContent = '';
    const r = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: f.elements.name.value, password: f.elements.password.value }) });
    const j = await r.json();
    if (r.ok) location.href = '/'; else { out.textContent = t(j.code); f.elements.password.value = ''; }
  };
}

async function main() {
  cat = await (await fetch(`/i18n/${langOf()}.json`)).json();
  if (page !== 'login') {
    const r = await fetch('/api/me', { credentials: 'same-origin' });
    if (!r.ok) { location.href = '/login'; return; }
    me = await r.json();
  }
  translate();
  header();
  if (page === 'login') return loginPage();
  stream();
  try {
    await ({ feed: feedPage, devices: devicesPage, muster: musterPage, visitors: visitorsPage })[page]();
  } catch (e) { document.getElementById('msg').textContent = errText(e); }
  document.body.dataset.ready = '1';
}
main();
