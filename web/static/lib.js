// lobbyweb's shared parts: the catalog, elements, times, requests to lobbyd
// (as the web user, a change with the session's CSRF token), and lobbyd's
// refusals shown in the page's language next to the field they are about.
// Text is set with textContent only: nothing from lobbyd is read as HTML.
export const S = { cat: {}, me: null };
// What a page does with each item of the live stream.
export const handlers = { ev: [], alert: [] };

// A word lobbyd sent that the catalog does not know yet is shown as sent
// ("visitor_registered"), never as the catalog's key.
export function t(key) { return S.cat[key] ?? key.replace(/^[a-z]+\./, ''); }

export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

export function langOf() {
  const c = document.cookie.match(/(?:^|; )lw_lang=([^;]*)/);
  if (c) return c[1] === 'en' ? 'en' : 'zh-CN';
  for (const l of navigator.languages || [])
    if (l.startsWith('en')) return 'en'; else if (l.startsWith('zh')) return 'zh-CN';
  return 'zh-CN';
}

const p2 = n => String(n).padStart(2, '0');

// Times in the site's zone (the browser's, at the desk), 24-hour.
export function time(ms, withDate) {
  if (!ms) return '';
  const d = new Date(ms);
  const hm = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${hm}` : hm;
}

// A time to the minute, without seconds: what a clerk types and reads.
export function minute(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}`;
}

// A time field's text ("2026-12-07 18:30", local, 24-hour: the browser's
// own date pickers follow its locale, often 12-hour) for ms.
export function localInput(ms) { return minute(ms); }

// A field the page checks itself before asking lobbyd: what is wrong with
// it, as a catalog key, shown like lobbyd's refusals.
function local(code, field) { return { local: true, code, field }; }

// ms from a time field of the form (0 when empty), or a refusal.
export function when(form, name) {
  const v = form.elements[name].value.trim();
  if (!v) return 0;
  const m = v.match(/^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$/);
  const d = m && new Date(+m[1], m[2] - 1, +m[3], +m[4], +m[5]);
  if (!d || d.getMonth() !== m[2] - 1 || +m[4] > 23 || +m[5] > 59) throw local('lerr.when', name);
  return d.getTime();
}

// YYYYMMDD (lobbyd's dates) from a date field's YYYY-MM-DD, or a refusal;
// and back.
export function day(form, name) {
  const v = form.elements[name].value.trim();
  const m = v.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  if (!m) throw local('lerr.date', name);
  return +m[1] * 10000 + +m[2] * 100 + +m[3];
}
export function dateText(n) { const s = String(n); return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`; }

// A read of lobbyd through lobbyweb (/api/q/ or /api/page/): its reply.
async function get(kind, cmd, args) {
  const q = args ? '?a=' + encodeURIComponent(JSON.stringify(args)) : '';
  const r = await fetch('/api/' + kind + '/' + cmd + q, { credentials: 'same-origin' });
  if (r.status === 401) { location.href = '/login'; throw new Error('login'); }
  const j = await r.json();
  if (!r.ok) throw j;
  return j;
}

export async function api(cmd, args) { return (await get('q', cmd, args)).data; }

// One page of a long list (card.list): {data, more}, more the cursor of
// the page after it (absent at the end); args' limit the rows a page.
export function apiPage(cmd, args) { return get('page', cmd, args); }

// A long list on a page, a page at a time: the pages seen so far, each by
// the cursor it starts after; the prev button goes back through them, next
// on with the cursor lobbyd gave. read(after) reads a page ({data, more}),
// show(r, at) draws it (at: the page's number from 0), fail(e) says why one
// could not be read. first() starts again at the first page; load() reads
// the page shown again.
export function pager(prev, next, read, show, fail) {
  let starts = [''], at = 0, more = null;
  const load = async () => {
    prev.disabled = next.disabled = true;
    const r = await read(starts[at]);
    more = r.more ?? null;
    show(r, at);
    prev.disabled = at === 0;
    next.disabled = !more;
  };
  prev.onclick = () => { if (at > 0) { at--; load().catch(fail); } };
  next.onclick = () => {
    if (!more) return;
    starts[++at] = more;
    starts.length = at + 1;
    load().catch(fail);
  };
  return { load, first: () => { starts = ['']; at = 0; return load(); } };
}

export async function post(cmd, args) {
  const r = await fetch('/api/do/' + cmd, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': S.me.csrf },
    body: JSON.stringify(args || {}) });
  if (r.status === 401) { location.href = '/login'; throw new Error('login'); }
  const j = await r.json();
  if (!r.ok) throw j;
  return j.data;
}

export function row(cells) {
  return el('tr', {}, ...cells.map(c => c instanceof Node ? el('td', {}, c) : el('td', { text: c ?? '' })));
}

export function button(key, onclick, cls) {
  return el('button', { type: 'button', text: t(key), onclick, ...(cls ? { class: cls } : {}) });
}

// Fills each <select>'s and <datalist>'s options from their data-key, and
// each field's placeholder from data-ph.
export function translateForm(f) {
  for (const o of f.querySelectorAll('option[data-key]')) {
    o.textContent = t(o.dataset.key);
    if (o.parentElement.tagName === 'DATALIST') o.value = t(o.dataset.key);
  }
  for (const i of f.querySelectorAll('[data-ph]')) i.placeholder = t(i.dataset.ph);
}

// lobbyd's refusals, which are English: a pattern of its words, the catalog
// key that says the same in the page's language ({1} is the pattern's first
// group, {1:pass} that group through the catalog's "pass." words, {f} the
// field's label), and the argument the refusal is about (a form field of the
// same name), or a group of the match that names it.
const refusals = [
  [/^"?([a-z_]+)"? must not be empty$/, 'lerr.empty', 1],
  [/^"([a-z_]+)" is required$/, 'lerr.required', 1],
  [/^"find" is longer than (\d+) characters$/, 'lerr.find_long', 'find'],
  [/^"([a-z_]+)" is longer than (\d+) characters$/, 'lerr.too_long', 1],
  [/^"([a-z_]+)" is out of range (-?\d+)\.\.(-?\d+)$/, 'lerr.range', 1],
  [/^"([a-z_]+)" must be an integer$/, 'lerr.integer', 1],
  [/^unit and company must not be empty$/, 'lerr.unit_company', 'unit'],
  [/^credential "([^"]*)": /, 'lerr.cred_format', 'credential'],
  [/^credential (\S+) is carried by pass (\d+)/, 'lerr.cred_pass', 'credential'],
  [/^credential (\S+) is a card on the card list/, 'lerr.cred_card', 'credential'],
  [/^id_type and id_number go together/, 'lerr.id_pair', 'id_number'],
  [/^id_number is not a valid ([a-z_]+) number/, 'lerr.id_invalid', 'id_number'],
  [/^id_number: /, 'lerr.id_bad', 'id_number'],
  [/^from and until: dates/, 'lerr.dates', 'until'],
  [/^days: /, 'lerr.days', 'days'],
  [/^hours: /, 'lerr.hours', 'hours'],
  [/^floors: /, 'lerr.floors', 'floors'],
  [/^floors "/, 'lerr.floors', 'floors'],
  [/^card uid "([^"]*)": /, 'lerr.card_uid', 'uid'],
  [/^card (\S+) is on the card list already \(holder (.*)\)/, 'lerr.card_exists', 'uid'],
  [/^card (\S+): valid until must be after valid from/, 'lerr.until_after', 'valid_until_ms'],
  [/^no card (\S+)$/, 'lerr.card_gone', null],
  [/^"find": a control character/, 'lerr.find_control', 'find'],
  [/^lanes: no lane "([^"]*)"/, 'lerr.no_lane', 'lanes'],
  [/^no permit (\d+)/, 'lerr.no_permit', 'permit'],
  [/^permit (\d+) is (\w+): passes are made out only/, 'lerr.permit_unusable', 'permit'],
  [/^permit (\d+) is closed/, 'lerr.permit_closed', null],
  [/^this person holds contractor's pass (\d+)/, 'lerr.one_pass', 'id_number'],
  [/^no elevator "([^"]*)"/, 'lerr.no_elevator', 'elevator'],
  [/^elevator (\S+) is not a freight elevator/, 'lerr.not_freight', 'elevator'],
  [/^no card (\S+)/, 'lerr.no_card', 'card'],
  [/^booking refused \(rush_hours\): .*rush hours (\S+) on (\S+)/, 'lerr.bk_rush', 'from_ms'],
  [/^booking refused \((too_soon|too_long|overlap|empty_window)\)/, 'lerr.bk_', 'from_ms'],
  [/^booking (\d+) is cancelled already/, 'lerr.bk_cancelled', null],
  [/^valid until must be after valid from/, 'lerr.until_after', 'valid_until_ms'],
  [/^valid until must be in the future/, 'lerr.new_end', 'valid_until_ms'],
  [/^pass (\d+): the new end must be/, 'lerr.new_end', 'valid_until_ms'],
  [/^pass (\d+) is (\w+) already/, 'lerr.pass_over', null],
  [/^pass (\d+) is (\w+): only a pending/, 'lerr.not_pending', null],
  [/^no person (\d+)/, 'lerr.no_person', 'person'],
  [/^person (\d+) is a (\w+): their passes/, 'lerr.person_kind', 'person'],
  [/^no device or lane "([^"]*)"/, 'lerr.no_source', 'source'],
  [/^ticket (\d+) is done already/, 'lerr.ticket_done', null],
  [/^ticket (\d+) is in progress already/, 'lerr.ticket_started', null],
  [/^no ticket (\d+)/, 'lerr.no_ticket', null],
  [/^not registered: (.+) is not a contact of unit (\S+) in the tenant directory \((.+) has (\d+) contacts? there/,
    'lerr.host_not_contact', 'host'],
  [/^not registered: unit (\S+) is not in the tenant directory/, 'lerr.host_unit_unknown', 'host_unit'],
  [/^not registered: this visitor \(person (\d+)\) is (\w+)/, 'lerr.visitor_barred', null],
  [/^phone: /, 'lerr.phone', 'phone'],
  [/^not registered: /, 'lerr.not_registered', null],
  [/^no identity card read at (\S+)/, 'lerr.idcard_none', null],
  [/^the identity card read at (\S+) (?:expired|has a number)/, 'lerr.idcard_bad', null],
  [/^schedule "([^"]*)" is not in the configuration/, 'lerr.no_schedule', 'schedule'],
  [/^person (\d+): personal data purged/, 'lerr.purged', null],
  [/^no watch-list entry (\d+)/, 'lerr.no_watch', null],
];

// A catalog text with a match's groups put in: {1} as matched, {1:pass}
// through the catalog's "pass." words; {f} is label.
export function fill(text, m, label) {
  return text.replace(/\{(\d|f)(?::(\w+))?\}/g, (_, n, pre) =>
    n === 'f' ? label ?? '' : pre ? t(pre + '.' + m[Number(n)]) : m[Number(n)] ?? '');
}

// A table's "nothing here" row, across all its columns.
export function none(tb, key) {
  const n = tb.closest('table').tHead.rows[0].cells.length;
  tb.append(el('tr', { class: 'none' }, el('td', { colspan: String(n), text: t(key) })));
}

// lobbyd's day list ("mon-fri", "mon,wed,sat") in the page's words.
export function daysText(s) { return s.replace(/[a-z]{3}/g, d => t('day.' + d)); }

function labelOf(f) {
  const l = f && (f.closest('fieldset') || f.closest('label'));
  const s = l && l.querySelector('span[data-i18n]');
  return s ? s.textContent : '';
}

// What went wrong, in the page's language: {text, field} (the field's
// name, or null), and lobbyd's own words in raw.
export function explain(e, form) {
  if (e && e.local) {
    const input = form && form.elements[e.field];
    return { text: (S.cat[e.code] || e.code).replace('{f}', labelOf(input) || e.field), field: e.field, raw: '' };
  }
  if (!e || !e.code) return { text: String(e), field: null, raw: '' };
  if (e.code !== 'err.lobbyd') return { text: t(e.code), field: null, raw: e.error || '' };
  const raw = e.error || '';
  for (const [re, key0, fld] of refusals) {
    const m = raw.match(re);
    if (!m) continue;
    const key = key0.endsWith('_') ? key0 + m[1] : key0;
    const field = typeof fld === 'number' ? m[fld] : fld;
    const input = form && field ? form.elements[field] : null;
    if (!(key in S.cat)) return { text: t('err.lobbyd') + raw, field: input ? field : null, raw };
    const text = fill(S.cat[key], m, labelOf(input instanceof RadioNodeList ? input[0] : input) || field);
    return { text, field: input ? field : null, raw };
  }
  return { text: t('err.lobbyd') + raw, field: null, raw };
}

export function errText(e) { return explain(e).text; }

// Clears a form's error marks.
export function clearErrs(form) {
  for (const s of form.querySelectorAll('.ferr')) s.remove();
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  const out = form.querySelector('.out');
  if (out) { out.textContent = ''; out.className = 'out'; }
}

// Shows what went wrong next to its field (or under the form), lobbyd's own
// words in the tooltip.
export function showErr(form, e) {
  clearErrs(form);
  const x = explain(e, form);
  let f = x.field ? form.elements[x.field] : null;
  if (f instanceof RadioNodeList) f = f[0];
  const lab = f && (f.closest('fieldset') || f.closest('label'));
  if (lab) {
    f.setAttribute('aria-invalid', 'true');
    lab.append(el('span', { class: 'ferr', role: 'alert', text: x.text, title: x.raw }));
    f.focus();
  } else {
    const out = form.querySelector('.out');
    if (out) { out.className = 'out bad'; out.textContent = x.text; out.title = x.raw; }
    else alert(x.text);
  }
}

export function showOk(form, text) {
  clearErrs(form);
  const out = form.querySelector('.out');
  if (out) { out.className = 'out ok'; out.textContent = text; }
}

// A form's submit: its fields as an object to args(), one lobbyd change,
// then done(result); a refusal shown next to its field.
export function onSubmit(form, cmd, args, done) {
  form.onsubmit = async ev => {
    ev.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      const a = args(d, ev.submitter);
      const r = await post(typeof cmd === 'function' ? cmd(d, ev.submitter) : cmd, a);
      clearErrs(form);
      await done(r, d);
    }
    catch (e) { showErr(form, e); }
    finally { btn.disabled = false; }
  };
}

// Only the fields given: lobbyd takes an absent optional field as unset.
export function given(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && v !== null && !Number.isNaN(v)));
}
