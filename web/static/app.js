// lobbyweb's pages: the header with the language switch and the links the
// user's role may use, the live stream (events, alerts, fire mode), the
// feed, devices, muster and visitors pages; the desk's and the shift's
// other pages are in desk.js and work.js.
import { S, t, el, langOf, time, api, post, row, button, errText, translateForm, onSubmit, showOk,
  handlers, none, showErr, clearErrs } from './lib.js';
import { passesPage, permitsPage, freightPage, hostPicker } from './desk.js';
import { ticketsPage, shiftPage } from './work.js';
import { peoplePage, watchPage } from './people.js';
import { cardsPage } from './cards.js';
import { idcardSetup, idcardArgs, idcardClear } from './idcard.js';

const page = document.body.dataset.page;

function translate() {
  document.documentElement.lang = langOf();
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  document.title = t('app.title');
}

// The pages and the roles lobbyd lets use them (control/ctl_cmds.c): a link
// only for those; lobbyd decides each request all the same.
const ALL = ['guard', 'frontdesk', 'engineering', 'manager'], DESK = ['frontdesk', 'manager'];
const pages = [['/', 'nav.feed', ALL], ['/devices', 'nav.devices', ALL], ['/muster', 'nav.muster', ALL],
  ['/visitors', 'nav.visitors', DESK], ['/passes', 'nav.passes', DESK], ['/permits', 'nav.permits', DESK],
  ['/people', 'nav.people', DESK], ['/cards', 'nav.cards', DESK], ['/freight', 'nav.freight', DESK],
  ['/tickets', 'nav.tickets', ['engineering', 'manager']],
  ['/shift', 'nav.shift', ['guard', 'frontdesk', 'manager']], ['/watchlist', 'nav.watch', ['guard', 'manager']]];

function header() {
  const top = document.getElementById('top');
  const nav = el('nav');
  const me = S.me;
  if (me) for (const [href, key, roles] of pages)
    if (roles.includes(me.role))
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
  if (f.awaiting_reset && !f.reset_blocked && S.me && S.me.role !== 'engineering')
    acts.append(el('button', { type: 'button', text: t('fire.reset'),
      onclick: () => post('fire.reset').catch(e => alert(errText(e))) }));
  kids.push(acts);
  box.replaceChildren(...kids);
}

function stream() {
  const es = new EventSource('/api/stream');
  es.addEventListener('fire', m => fire(JSON.parse(m.data)));
  es.addEventListener('ev', m => handlers.ev.forEach(h => h(JSON.parse(m.data))));
  es.addEventListener('alert', m => handlers.alert.forEach(h => h(JSON.parse(m.data))));
  es.onerror = () => document.getElementById('offline')?.removeAttribute('hidden');
  es.onopen = () => document.getElementById('offline')?.setAttribute('hidden', '');
}

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
  // An alert's acknowledgement: its button opens a note beside it, kept
  // open (with what is typed) while other alerts come and go.
  const editing = new Map();
  const ackForm = a => {
    const f = el('form', { class: 'ack', autocomplete: 'off', novalidate: '' },
      el('input', { name: 'note', maxlength: '200', placeholder: t('feed.ack_note') }),
      el('button', { type: 'submit', text: t('feed.ack') }),
      button('feed.cancel', () => { editing.delete(a.id); showAlerts(); }),
      el('p', { class: 'out' }));
    f.onsubmit = async ev => {
      ev.preventDefault();
      try {
        alerts.set(a.id, await post('alert.ack', { id: a.id, note: f.elements.note.value.trim() }));
        editing.delete(a.id);
        showAlerts();
      } catch (e) { showErr(f, e); }
    };
    return f;
  };
  const ackCell = a => {
    if (a.acked_ms) {
      editing.delete(a.id);
      return document.createTextNode(`${t('feed.acked')} (${a.acked_by})${a.ack_note ? ': ' + a.ack_note : ''}`);
    }
    if (editing.has(a.id)) return editing.get(a.id);
    return button('feed.ack', () => {
      editing.set(a.id, ackForm(a));
      showAlerts();
      editing.get(a.id).elements.note.focus();
    });
  };
  const showAlerts = () => {
    const list = [...alerts.values()].filter(a => !a.cleared_ms).sort((a, b) => b.raised_ms - a.raised_ms);
    ab.replaceChildren(...list.map(a => {
      const r = row([time(a.raised_ms), t('sev.' + a.severity), a.source, a.message, ackCell(a)]);
      r.className = a.severity; r.dataset.id = a.id; return r;
    }));
    if (!list.length) none(ab, 'feed.none');
  };
  (await api('alerts')).forEach(a => alerts.set(a.id, a));
  showAlerts();
  raiseForm();
  handlers.ev.push(add);
  handlers.alert.push(a => { alerts.set(a.id, a); showAlerts(); });
}

// An alert raised by hand (a troublemaker in the lobby, a suspicious
// person): to whom, what, how urgent; lobbyd records who raised it.
function raiseForm() {
  const f = document.getElementById('raiseform'), open = document.getElementById('raise');
  translateForm(f);
  open.onclick = () => { f.hidden = !f.hidden; if (!f.hidden) f.elements.text.focus(); };
  document.getElementById('raisecancel').onclick = () => { f.hidden = true; clearErrs(f); };
  onSubmit(f, 'alert.raise', d => ({
    to: [...f.querySelectorAll('input[name=to]:checked')].map(c => c.value).join(','),
    text: d.text.trim(), severity: d.severity }), a => {
    showOk(f, t('ar.raised').replace('{1}', a.audience.split(',').map(x => t('ar.' + x)).join('、')));
    f.elements.text.value = '';
  });
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

// The host's answer by phone: confirmed (the pass goes live) or declined
// (the pending pass is revoked, recorded with the reason).
function hostButtons(p, reload) {
  const ok = button('vis.confirm', async () => {
    try { await post('visitor.confirm', { id: p.id }); reload(); } catch (e) { alert(errText(e)); } }, 'go');
  const no = button('vis.decline', async () => {
    if (!confirm(t('vis.decline_ask') + p.name)) return;
    try { await post('pass.revoke', { id: p.id, reason: 'host declined' }); reload(); }
    catch (e) { alert(errText(e)); } }, 'stop');
  return el('span', { class: 'acts' }, ok, no);
}

function endedWhy(p) {
  return p.state === 'revoked' && p.end_reason === 'host declined' ? t('vis.declined') : t('pass.' + p.state);
}

async function visitorsPage() {
  const f = document.getElementById('reg');
  translateForm(f);
  await hostPicker(f);
  await idcardSetup(f);
  // A refused category, or a card lobbyd would refuse, needs a manager's
  // reason: the field is the manager's alone (lobbyd checks the role too).
  document.getElementById('override').hidden = !(S.me && S.me.role === 'manager');
  const tb = document.querySelector('#today tbody'), pb = document.querySelector('#pending tbody');
  const load = async () => {
    const [today, live] = await Promise.all([api('visitor.list', { today: true }), api('visitor.list')]);
    // Waiting for their host, oldest first: 3 minutes is the desk's limit.
    const pending = live.filter(p => p.state === 'pending').sort((a, b) => a.issued_ms - b.issued_ms);
    pb.replaceChildren(...pending.map(p => {
      const mins = Math.floor((Date.now() - p.issued_ms) / 60000);
      const r = row([time(p.issued_ms), p.name, t('cls.' + p.class), `${p.unit} ${p.host}`, p.purpose,
        t('vis.waited').replace('{1}', mins), hostButtons(p, load)]);
      r.className = mins >= 3 ? 'pending late' : 'pending'; return r;
    }));
    if (!pending.length) none(pb, 'vis.none_pending');
    tb.replaceChildren(...today.map(p => {
      const r = row([time(p.issued_ms), p.name, t('cls.' + p.class), p.id_mask, `${p.unit} ${p.host}`,
        endedWhy(p), p.state === 'pending' ? hostButtons(p, load) : '']);
      r.className = p.state; return r;
    }));
  };
  onSubmit(f, 'visitor.register', d => {
    const args = { name: d.name, class: d.class, id_type: d.id_type, id_number: d.id_number,
      host_unit: d.host_unit, host: d.host, purpose: d.purpose, party: Number(d.party || 1) };
    if (d.appointment) args.appointment = true;
    if (d.card) args.card = d.card.toUpperCase();
    if (d.phone.trim()) args.phone = d.phone.trim();
    if (d.host_reason.trim()) args.host_reason = d.host_reason.trim();
    if (d.category) args.category = d.category;
    if (d.override && d.override.trim()) args.override = d.override.trim();
    return idcardArgs(f, args);
  }, async p => {
    f.reset();
    idcardClear(f);
    showOk(f, t('vis.saved') + (p.code || p.credential || p.id) +
      (p.returning ? ' ' + t('vis.returning').replace('{1}', p.earlier_visits) : ''));
    await load();
  });
  await load();
  setInterval(() => load().catch(() => {}), 30000);
  handlers.ev.push(e => { if (/^visitor_|^pass_/.test(e.kind)) load().catch(() => {}); });
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
  S.cat = await (await fetch(`/i18n/${langOf()}.json`)).json();
  if (page !== 'login') {
    const r = await fetch('/api/me', { credentials: 'same-origin' });
    if (!r.ok) { location.href = '/login'; return; }
    S.me = await r.json();
  }
  translate();
  header();
  if (page === 'login') return loginPage();
  stream();
  try {
    await ({ feed: feedPage, devices: devicesPage, muster: musterPage, visitors: visitorsPage,
      passes: passesPage, permits: permitsPage, freight: freightPage, tickets: ticketsPage,
      shift: shiftPage, people: peoplePage, watchlist: watchPage, cards: cardsPage })[page]();
  } catch (e) {
    document.getElementById('msg').textContent = errText(e);
    // A page the role may not use: lobbyd said so; nothing of it is shown.
    if (e && e.code === 'err.role') document.querySelector('main').hidden = true;
  }
  document.body.dataset.ready = '1';
}
main();
