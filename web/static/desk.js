// lobbyweb's front-desk pages beyond the visitors: passes (issue, extend,
// revoke), renovation permits and their contractors, and freight elevator
// bookings. Each form is one lobbyd request as the web user; a refusal is
// shown next to the field it is about.
import { t, el, api, post, row, button, minute, localInput, when, day, dateText,
  translateForm, onSubmit, showOk, errText, given, handlers, none, daysText } from './lib.js';
import { personPick } from './pick.js';

const HOUR = 3600000;

function option(value, text) { return el('option', { value, text }); }

// A <select>'s options replaced, the chosen one kept when it is still there.
function fillSelect(sel, opts, empty) {
  const keep = sel.value;
  sel.replaceChildren(...(empty ? [option('', t(empty))] : []), ...opts);
  if ([...sel.options].some(o => o.value === keep)) sel.value = keep;
}

// ---- the visitor form's host, from the tenant directory -------------------

// The company picked fills its units and its contacts as the choices for the
// host unit and the host; a unit typed picks its company. Nothing to pick
// while the directory is empty (lobbyd then checks no host).
export async function hostPicker(f) {
  const sel = f.elements.tenant, units = document.getElementById('units');
  const contacts = document.getElementById('contacts');
  let list = [];
  try { list = await api('tenant.list', { contacts: true }); } catch (e) { list = []; }
  sel.closest('label').hidden = !list.length;
  fillSelect(sel, list.map((c, i) => option(String(i), c.short_name ? `${c.name} (${c.short_name})` : c.name)),
    'vis.tenant_pick');
  // picked: chosen from the list (its unit and only contact filled in), not
  // found by the unit typed.
  const pick = (c, picked) => {
    units.replaceChildren(...(c ? c.units : []).map(u => option(u, u)));
    contacts.replaceChildren(...(c ? c.contacts : []).map(k =>
      el('option', { value: k.name, text: [k.role, k.phone].filter(Boolean).join(' · ') })));
    if (!c) return;
    const unit = f.elements.host_unit;
    if (!picked) return;
    if (!c.units.includes(unit.value.trim().toUpperCase())) unit.value = c.units[0] || '';
    if (c.contacts.length === 1 && !f.elements.host.value.trim()) f.elements.host.value = c.contacts[0].name;
  };
  sel.onchange = () => pick(list[Number(sel.value)] && sel.value !== '' ? list[Number(sel.value)] : null, true);
  f.elements.host_unit.addEventListener('change', () => {
    const u = f.elements.host_unit.value.trim().toUpperCase();
    const i = list.findIndex(c => c.units.includes(u));
    if (i >= 0) { sel.value = String(i); pick(list[i], false); }
  });
  f.addEventListener('reset', () => setTimeout(() => pick(null), 0));
}

// ---- passes ------------------------------------------------------------

// The person for a form: the one picked, or a number typed; else the clerk
// is asked to pick one.
function personArg(pick, typed) {
  if (pick.person) return pick.person.id;
  if (/^\d+$/.test(typed.trim())) return Number(typed.trim());
  throw { local: true, code: typed.trim() ? 'lerr.pick_person' : 'lerr.empty', field: 'person' };
}

export async function passesPage() {
  const issue = document.getElementById('issue'), change = document.getElementById('change');
  const tb = document.querySelector('#passes tbody'), all = document.getElementById('all');
  translateForm(issue);
  translateForm(change);
  issue.elements.valid_from_ms.value = localInput(Date.now());
  const load = async () => {
    const list = await api('pass.list', all.checked ? { all: true } : undefined);
    list.sort((a, b) => b.id - a.id);
    tb.replaceChildren(...list.map(p => {
      const r = row([String(p.id), p.name, t('pk.' + p.kind), p.credential, minute(p.valid_from_ms),
        p.valid_until_ms ? minute(p.valid_until_ms) : t('pass.no_end'),
        t('pass.' + p.state) + (p.end_reason ? ` (${p.end_reason})` : ''), p.issued_by]);
      r.className = p.state;
      r.dataset.id = p.id;
      r.onclick = () => { change.elements.id.value = String(p.id); change.elements.valid_until_ms.focus(); };
      return r;
    }));
    const live = list.filter(p => p.state === 'active' || p.state === 'pending');
    fillSelect(change.elements.id, live.map(p => option(String(p.id),
      `${p.id} · ${p.name} · ${p.credential} · ${t('pass.' + p.state)}`)), 'pass.pick');
  };
  // The person, found as their name is typed: the people on record who get
  // a pass here (not visitors nor contractors, whose passes come from their
  // own pages); one not active is shown, and why they get none. A number
  // typed and not picked goes as it is (lobbyd says whose it is not).
  const who = personPick(issue.elements.person, { kind: 'tenant_staff,property_staff',
    said: document.getElementById('who'), picked: () => issue.elements.credential.focus(),
    why: p => p.purged ? 'pick.purged' : p.status !== 'active' ? 'pick.not_active_' + p.status : null });
  onSubmit(issue, 'pass.issue', d => given({ person: personArg(who, d.person),
    credential: d.credential.trim().toUpperCase(), valid_from_ms: when(issue, 'valid_from_ms'),
    valid_until_ms: when(issue, 'valid_until_ms'), lanes: d.lanes.trim(), floors: d.floors.trim(),
    single_entry: d.single_entry ? true : undefined }), async p => {
    showOk(issue, t('pass.issued').replace('{1}', p.id));
    issue.elements.credential.value = '';
    await load();
  });
  // Enter in the reason revokes, as its button does (not the form's first
  // button, which extends).
  change.elements.reason.onkeydown = ev => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    change.querySelector('button[value=revoke]').click();
  };
  const revoking = b => b && b.value === 'revoke';
  onSubmit(change, (d, b) => revoking(b) ? 'pass.revoke' : 'pass.extend', (d, b) =>
    revoking(b) ? { id: Number(d.id) || 0, reason: d.reason.trim() }
      : given({ id: Number(d.id) || 0, valid_until_ms: when(change, 'valid_until_ms') }), async (p, d) => {
    showOk(change, t(p.state === 'revoked' ? 'pass.revoked_ok' : 'pass.extended_ok').replace('{1}', p.id)
      .replace('{2}', minute(p.valid_until_ms)));
    change.elements.reason.value = '';
    await load();
  });
  all.onchange = () => load().catch(e => alert(errText(e)));
  await load();
  handlers.ev.push(e => { if (/^pass_|^visitor_|^contractor_|^permit_/.test(e.kind)) load().catch(() => {}); });
}

// ---- renovation permits and contractors ---------------------------------

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export async function permitsPage() {
  const pf = document.getElementById('permit'), cf = document.getElementById('contractor');
  const tb = document.querySelector('#permits tbody'), cb = document.querySelector('#contractors tbody');
  translateForm(pf);
  translateForm(cf);
  // Mon to Fri ticked, from today for a month: the usual permit.
  for (const c of pf.querySelectorAll('input[name=days]')) c.checked = DAYS.indexOf(c.value) < 5;
  const today = new Date();
  pf.elements.from.value = localInput(today.getTime()).slice(0, 10);
  pf.elements.until.value = localInput(today.getTime() + 30 * 24 * HOUR).slice(0, 10);
  const set = async (p, args) => {
    try { await post('permit.set', { id: p.id, ...args }); await load(); }
    catch (e) { alert(errText(e)); }
  };
  const load = async () => {
    const [permits, passes] = await Promise.all([api('permit.list'), api('pass.list')]);
    permits.sort((a, b) => b.id - a.id);
    tb.replaceChildren(...permits.map(p => {
      const acts = el('span', { class: 'acts' });
      if (p.state !== 'closed' && !p.fees_paid)
        acts.append(button('pm.mark_paid', () => set(p, { fees_paid: true })));
      if (p.state === 'active')
        acts.append(button('pm.suspend', () => confirm(t('pm.suspend_ask')) && set(p, { state: 'suspended' }), 'stop'));
      if (p.state === 'suspended')
        acts.append(button('pm.resume', () => set(p, { state: 'active' })));
      if (p.state !== 'closed')
        acts.append(button('pm.close', () => confirm(t('pm.close_ask')) && set(p, { state: 'closed' }), 'stop'));
      const r = row([String(p.id), p.unit, p.company, `${dateText(p.from)} – ${dateText(p.until)}`,
        `${daysText(p.days)} ${p.hours}`, String(p.floor), t(p.fees_paid ? 'pm.paid' : 'pm.unpaid'),
        t('pst.' + p.state), String(p.passes), acts]);
      r.className = 'pm-' + p.state + (p.fees_paid ? '' : ' unpaid');
      return r;
    }));
    if (!permits.length) none(tb, 'feed.none');
    fillSelect(cf.elements.permit, permits.filter(p => p.state === 'active').map(p => option(String(p.id),
      `${p.id} · ${p.unit} · ${p.company}${p.fees_paid ? '' : ' · ' + t('pm.unpaid')}`)), 'pm.pick');
    const cons = passes.filter(p => p.kind === 'contractor');
    cb.replaceChildren(...cons.map(p => {
      const r = row([p.name, p.id_mask, String(p.permit), p.credential, minute(p.valid_until_ms),
        t('pass.' + p.state)]);
      r.className = p.state; return r;
    }));
    if (!cons.length) none(cb, 'feed.none');
  };
  onSubmit(pf, 'permit.add', d => given({ unit: d.unit.trim(), company: d.company.trim(),
    from: day(pf, 'from'), until: day(pf, 'until'),
    days: [...pf.querySelectorAll('input[name=days]:checked')].map(c => c.value).join(','),
    hours: d.hours.replace(/\s+/g, ''), floor: d.floor === '' ? undefined : Number(d.floor),
    fees_paid: d.fees_paid ? true : undefined }), async p => {
    showOk(pf, t('pm.added').replace('{1}', p.id));
    await load();
  });
  onSubmit(cf, 'contractor.add', d => given({ permit: Number(d.permit) || undefined,
    name: d.name.trim(), company: d.company.trim(), id_type: d.id_type, id_number: d.id_number.trim(),
    credential: d.credential.trim().toUpperCase() }), async p => {
    showOk(cf, t('pm.contractor_ok').replace('{1}', p.name || '').replace('{2}', p.credential || p.code || ''));
    for (const k of ['name', 'id_number', 'credential']) cf.elements[k].value = '';
    await load();
  });
  await load();
  handlers.ev.push(e => { if (/^permit_|^contractor_|^pass_/.test(e.kind)) load().catch(() => {}); });
}

// ---- freight elevator bookings ------------------------------------------

export async function freightPage() {
  const f = document.getElementById('booking'), tb = document.querySelector('#bookings tbody');
  translateForm(f);
  const load = async () => {
    const list = await api('booking.list');
    list.sort((a, b) => a.from_ms - b.from_ms);
    tb.replaceChildren(...list.map(b => {
      const cancel = b.state === 'active' ? button('fr.cancel', async () => {
        if (!confirm(t('fr.cancel_ask'))) return;
        try { await post('booking.cancel', { id: b.id }); await load(); } catch (e) { alert(errText(e)); }
      }, 'stop') : '';
      const r = row([String(b.id), b.unit, b.elevator, b.card, minute(b.from_ms), minute(b.until_ms),
        b.booked_by, t('bk.' + b.state), cancel]);
      r.className = 'bk-' + b.state; return r;
    }));
    if (!list.length) none(tb, 'fr.none');
  };
  await load();		// first: lobbyd says whether this role may book
  // The freight cars, from each controller's "car1,freight1 (freight)".
  const cars = (await api('elevators.list')).flatMap(c => (c.elevators || '').split(','))
    .filter(n => n.endsWith(' (freight)')).map(n => n.replace(' (freight)', ''));
  fillSelect(f.elements.elevator, cars.map(n => option(n, n)), cars.length ? null : 'fr.no_car');
  // Tomorrow 10:00 to 12:00: more than a day ahead, clear of the rush hours.
  const d = new Date(Date.now() + 48 * HOUR);
  d.setHours(10, 0, 0, 0);
  f.elements.from_ms.value = localInput(d.getTime());
  f.elements.until_ms.value = localInput(d.getTime() + 2 * HOUR);
  onSubmit(f, 'booking.add', x => given({ unit: x.unit.trim(), elevator: x.elevator,
    card: x.card.trim().toUpperCase(), from_ms: when(f, 'from_ms'), until_ms: when(f, 'until_ms') }),
  async b => { showOk(f, t('fr.booked').replace('{1}', b.id)); await load(); });
  handlers.ev.push(e => { if (/^booking_/.test(e.kind)) load().catch(() => {}); });
}
