// lobbyweb's pages for the records behind the passes: the people on record
// (add one; suspend, terminate or activate with a reason) and the watch list
// (the manager adds and removes; guards read). Each change is one lobbyd
// request as the web user; an ID number is sent once and shown only masked.
import { S, t, el, api, post, row, button, minute, translateForm, onSubmit, showOk,
  errText, given, handlers, none } from './lib.js';

const SHOWN = 300;	// rows drawn at once; the search narrows the rest

// ---- people --------------------------------------------------------------

export async function peoplePage() {
  const add = document.getElementById('padd'), st = document.getElementById('pstatus');
  const tb = document.querySelector('#people tbody'), find = document.getElementById('find');
  translateForm(add);
  translateForm(st);
  find.placeholder = t('pp.find_ph');
  let people = [];
  const label = p => `${p.id} · ${p.name} · ${t('pk.' + p.kind)}${p.company ? ' · ' + p.company : ''} · ${t('ps.' + p.status)}`;
  const draw = () => {
    const q = find.value.trim().toLowerCase();
    const hit = people.filter(p => !q || [p.name, p.company, p.unit, String(p.id)]
      .some(s => (s || '').toLowerCase().includes(q)));
    tb.replaceChildren(...hit.slice(0, SHOWN).map(p => {
      const r = row([String(p.id), p.name, t('pk.' + p.kind), p.id_mask, p.company, p.unit,
        t('ps.' + p.status), `${p.created_by} ${minute(p.created_ms)}`]);
      r.className = 'ps-' + p.status;
      r.dataset.id = p.id;
      r.onclick = () => { st.elements.id.value = String(p.id); st.elements.reason.focus(); };
      return r;
    }));
    if (!hit.length) none(tb, 'feed.none');
    // Never cut short in silence: how many there are, and how many shown.
    document.getElementById('pcount').textContent = hit.length > SHOWN ?
      t('pp.count_some').replace('{1}', SHOWN).replace('{2}', hit.length) :
      t('pp.count').replace('{1}', hit.length);
  };
  const load = async () => {
    // Visitors come and go through their own page; these are the people
    // who hold passes of their own.
    people = (await api('person.list')).filter(p => p.kind !== 'visitor').sort((a, b) => b.id - a.id);
    const keep = st.elements.id.value;
    st.elements.id.replaceChildren(el('option', { value: '', text: t('pp.pick') }),
      ...people.map(p => el('option', { value: String(p.id), text: label(p) })));
    st.elements.id.value = keep;
    draw();
  };
  find.oninput = draw;
  onSubmit(add, 'person.add', d => given({ kind: d.kind, name: d.name.trim(), id_type: d.id_number.trim() ? d.id_type : '',
    id_number: d.id_number.trim(), company: d.company.trim(), unit: d.unit.trim(), schedule: d.schedule.trim() }),
  async p => {
    showOk(add, t('pp.added').replace('{1}', p.name).replace('{2}', p.id));
    for (const k of ['name', 'id_number', 'unit']) add.elements[k].value = '';
    await load();
  });
  onSubmit(st, 'person.status', (d, b) => {
    if (b.value === 'terminated' && d.id && !confirm(t('pp.terminate_ask'))) throw { code: 'pp.not_done' };
    return { id: Number(d.id) || 0, status: b.value, reason: d.reason.trim() };
  }, async p => {
    showOk(st, t('pp.status_ok').replace('{1}', p.name).replace('{2}', t('ps.' + p.status)));
    st.elements.reason.value = '';
    await load();
  });
  await load();
  handlers.ev.push(e => { if (/^person_/.test(e.kind)) load().catch(() => {}); });
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
