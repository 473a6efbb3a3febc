// lobbyweb's pages for the records behind the passes: the people on record
// (found a page at a time, never the whole list; add one; suspend, terminate
// or activate one, picked by a find as it is typed, with a reason) and the watch list
// (the manager adds and removes; guards read). Each change is one lobbyd
// request as the web user; an ID number is sent once and shown only masked.
import { S, t, api, apiPage, post, row, button, minute, translateForm, onSubmit, showOk,
  showErr, clearErrs, errText, given, handlers, none, pager } from './lib.js';
import { personPick } from './pick.js';

const ROWS = 20;	// people a page shows: about a clerk's screen
const WAIT_MS = 300;	// typing in the find paused this long: find
// The people who hold passes of their own: visitors come and go through
// their own page.
const KINDS = 'tenant_staff,property_staff,contractor';

// ---- people --------------------------------------------------------------

export async function peoplePage() {
  const add = document.getElementById('padd'), st = document.getElementById('pstatus');
  const find = document.getElementById('pfind'), tb = document.querySelector('#people tbody');
  const state = document.getElementById('pstate'), count = document.getElementById('pcount');
  const prev = document.getElementById('pprev'), next = document.getElementById('pnext');
  translateForm(add);
  translateForm(st);
  translateForm(find);
  const who = personPick(st.elements.who, { kind: KINDS, said: document.getElementById('pwho'),
    why: p => p.purged ? 'pick.purged' : null, picked: () => st.elements.reason.focus() });
  // lobbyd says whether there is more, not how many: the count said is
  // what the pages so far show, and the whole of it on the last page.
  let q = '';
  const read = after => {
    state.textContent = t('pp.searching');
    return apiPage('person.list', given({ find: q, kind: KINDS, after, limit: ROWS }));
  };
  const show = (r, at) => {
    const more = r.more ?? null;
    tb.replaceChildren(...r.data.map(p => {
      const tr = row([String(p.id), p.name, t('pk.' + p.kind), p.id_mask, p.company, p.unit,
        t('ps.' + p.status), `${p.created_by} ${minute(p.created_ms)}`]);
      tr.className = 'ps-' + p.status;
      tr.dataset.id = p.id;
      tr.onclick = () => { who.set(p); st.elements.reason.focus(); };
      return tr;
    }));
    if (!r.data.length) none(tb, q ? 'pp.none_found' : 'pp.none');
    state.textContent = q ? t('pp.found').replace('{1}', q) : t('pp.all');
    const from = at * ROWS + 1, to = at * ROWS + r.data.length;
    count.textContent = !r.data.length ? '' : (more ? t('pp.rows') : at ? t('pp.rows_last') : t('pp.rows_all'))
      .replace('{1}', at + 1).replace('{2}', from).replaceAll('{3}', to);
  };
  const search = async text => {
    q = text;
    await pages.first();
  };
  // A find refused: said next to the field, and no rows of another find left
  // under it.
  const fail = e => {
    state.textContent = count.textContent = '';
    tb.replaceChildren();
    showErr(find, e);
  };
  const pages = pager(prev, next, read, show, fail);
  // Found as it is typed, and at once on Enter.
  let timer = null;
  const go = () => {
    clearTimeout(timer);
    clearErrs(find);
    const text = find.elements.find.value.trim();
    if (text !== q) search(text).catch(fail);
  };
  find.elements.find.oninput = () => { clearTimeout(timer); timer = setTimeout(go, WAIT_MS); };
  find.onsubmit = ev => { ev.preventDefault(); q = null; go(); };
  document.getElementById('pall').onclick = () => { find.elements.find.value = ''; q = null; go(); };
  onSubmit(add, 'person.add', d => given({ kind: d.kind, name: d.name.trim(), id_type: d.id_number.trim() ? d.id_type : '',
    id_number: d.id_number.trim(), company: d.company.trim(), unit: d.unit.trim(), schedule: d.schedule.trim() }),
  async p => {
    showOk(add, t('pp.added').replace('{1}', p.name).replace('{2}', p.id));
    for (const k of ['name', 'id_number', 'unit']) add.elements[k].value = '';
    // The new person on the list, found by their name.
    find.elements.find.value = p.name;
    clearErrs(find);
    await search(p.name);
  });
  onSubmit(st, 'person.status', (d, b) => {
    const p = who.person;
    if (!p) throw { local: true, code: 'lerr.pick_person', field: 'who' };
    if (b.value === 'terminated' && !confirm(t('pp.terminate_ask'))) throw { code: 'pp.not_done' };
    return { id: p.id, status: b.value, reason: d.reason.trim() };
  }, async p => {
    showOk(st, t('pp.status_ok').replace('{1}', p.name).replace('{2}', t('ps.' + p.status)));
    st.elements.reason.value = '';
    who.set(p);
    await pages.load();
  });
  await search('');	// first: lobbyd says whether this role may read the list
  handlers.ev.push(e => { if (/^person_/.test(e.kind)) pages.load().catch(() => {}); });
}

// ---- the watch list --------------------------------------------------------

export async function watchPage() {
  const f = document.getElementById('wadd'), tb = document.querySelector('#watch tbody');
  const manager = S.me.role === 'manager';
  const load = async () => {
    const list = (await api('watchlist.list')).sort((a, b) => b.id - a.id);
    tb.replaceChildren(...list.map(w => {
      const rm = manager ? button('wl.remove', async () => {
        if (!confirm(t('wl.remove_ask').replace('{1}', w.name || w.id_mask))) return;
        try { await post('watchlist.remove', { id: w.id }); await load(); } catch (e) { alert(errText(e)); }
      }, 'stop') : '';
      return row([String(w.id), w.name, t('idt.' + w.id_type), w.id_mask, w.note,
        `${w.added_by} ${minute(w.added_ms)}`, rm]);
    }));
    if (!list.length) none(tb, 'wl.empty');
  };
  await load();		// first: lobbyd says whether this role may read it
  if (!manager) {
    // Guards read the list; adding is the manager's.
    document.querySelector('main').classList.remove('two');
    return;
  }
  document.getElementById('wadd-box').hidden = false;
  translateForm(f);
  onSubmit(f, 'watchlist.add', d => given({ id_type: d.id_type, id_number: d.id_number.trim(),
    name: d.name.trim(), note: d.note.trim() }), async w => {
    // The number is not kept on the page once lobbyd has it.
    for (const k of ['id_number', 'name', 'note']) f.elements[k].value = '';
    showOk(f, t('wl.added_ok').replace('{1}', w.id).replace('{2}', w.id_mask).replace('{3}', w.matches ?? 0));
    await load();
  });
}
