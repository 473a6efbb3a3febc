// lobbyweb's pages for the work of a shift: engineering's repair tickets
// (open by hand, start, note, done) and the shift log with its handover.
// Each change is one lobbyd request as the web user.
import { t, el, api, post, row, button, time, minute, translateForm, onSubmit, showOk,
  errText, given, handlers, none, fill } from './lib.js';

// ---- repair tickets -----------------------------------------------------

export async function ticketsPage() {
  const open = document.getElementById('topen'), nf = document.getElementById('tnote');
  const tb = document.querySelector('#tickets tbody'), all = document.getElementById('all');
  const det = document.getElementById('detail');
  translateForm(open);
  translateForm(nf);
  let shown = 0;
  const show = async id => {
    const tk = await api('ticket.show', { id });
    shown = id;
    det.hidden = false;
    document.getElementById('dtitle').textContent =
      `${t('tk.no')}${tk.id} · ${t('urg.' + tk.urgency)} · ${tk.source} · ${tk.title}`;
    document.getElementById('dstate').textContent = `${t('tks.' + tk.state)} · ${t('tk.opened_by')} ${tk.opened_by} ${minute(tk.opened_ms)}`;
    document.querySelector('#notes tbody').replaceChildren(...(tk.notes || []).map(n =>
      row([minute(n.ts_ms), n.actor, t('tka.' + n.action), n.text])));
    nf.elements.id.value = String(id);
    nf.hidden = tk.state === 'done';
  };
  const load = async () => {
    const list = await api('tickets', all.checked ? { all: true } : undefined);
    tb.replaceChildren(...list.map(k => {
      const acts = el('span', { class: 'acts' });
      if (k.state === 'open')
        acts.append(button('tk.start', async () => {
          try { await post('ticket.start', { id: k.id }); await load(); await show(k.id); }
          catch (e) { alert(errText(e)); } }, 'go'));
      acts.append(button('tk.view', () => show(k.id).catch(e => alert(errText(e)))));
      const r = row([String(k.id), t('urg.' + k.urgency), k.source, k.title, t('tks.' + k.state),
        minute(k.opened_ms), acts]);
      r.className = (k.urgency === 'urgent' ? 'urgent ' : '') + 'tk-' + k.state;
      return r;
    }));
    if (!list.length) none(tb, 'tk.none');
  };
  await load();		// first: lobbyd says whether this role may see them
  // Where a fault can be: any device, or the site itself (a lane by name).
  const devs = await api('devices');
  document.getElementById('sources').replaceChildren(el('option', { value: 'site', text: t('tk.site') }),
    ...devs.map(d => el('option', { value: d.name, text: t('kind.' + d.kind) })));
  onSubmit(open, 'ticket.open', d => given({ source: d.source.trim(), title: d.title.trim(),
    urgent: d.urgent ? true : undefined }), async k => {
    showOk(open, t('tk.opened').replace('{1}', k.id));
    open.elements.title.value = '';
    await load();
    await show(k.id);
  });
  onSubmit(nf, (d, b) => b.value === 'done' ? 'ticket.done' : 'ticket.note', (d, b) =>
    given({ id: Number(d.id), text: b.value === 'done' ? d.text.trim() : d.text }), async () => {
    nf.elements.text.value = '';
    await load();
    await show(shown);
  });
  all.onchange = () => load().catch(e => alert(errText(e)));
  handlers.ev.push(e => { if (/^ticket_/.test(e.kind)) load().catch(() => {}); });
}

// ---- the shift log and the handover -------------------------------------

export async function shiftPage() {
  const nf = document.getElementById('snote'), hf = document.getElementById('handover');
  const tb = document.querySelector('#shiftlog tbody'), out = document.getElementById('handtext');
  translateForm(nf);
  translateForm(hf);
  // lobbyd writes the handover's items in its own words; each kind of line
  // said in the page's language, the details (names, numbers) as sent.
  const items = [[/^note: (.*)$/, 'sh.i_note'],
    [/^pending confirmation: pass (\d+), (.*), host (.*)$/, 'sh.i_pending'],
    [/^contractor inside after hours: (.*) \(person (\d+)\)$/, 'sh.i_overstay'],
    [/^unacknowledged alert (\d+): (\S+) (\S+) \((\w+)\)$/, 'sh.i_alert'],
    [/^no open items$/, 'sh.i_none'], [/^\.\.\. and (\d+) more$/, 'sh.i_more']];
  const said = text => text.split('\n').filter(Boolean).map(line => {
    for (const [re, key] of items) {
      const m = line.match(re);
      if (m) return fill(t(key), m);
    }
    return line;
  }).join('\n');
  const load = async () => {
    const list = await api('shift.log');
    list.sort((a, b) => b.ts_ms - a.ts_ms);
    tb.replaceChildren(...list.map(s => {
      const r = row([minute(s.ts_ms), s.actor, t('shk.' + s.kind),
        el('div', { class: 'text', text: s.kind === 'handover' ? said(s.text) : s.text })]);
      r.className = 'sh-' + s.kind; return r;
    }));
    if (!list.length) none(tb, 'sh.empty');
  };
  await load();		// first: lobbyd says whether this role keeps the log
  onSubmit(nf, 'shift.note', d => ({ text: d.text.trim() }), async s => {
    showOk(nf, t('sh.noted').replace('{1}', time(s.ts_ms)));
    nf.elements.text.value = '';
    await load();
  });
  onSubmit(hf, 'shift.handover', d => given({ note: d.note.trim() }), async s => {
    showOk(hf, t('sh.handed').replace('{1}', time(s.ts_ms)));
    out.hidden = false;
    out.textContent = said(s.text);
    hf.elements.note.value = '';
    await load();
  });
  handlers.ev.push(e => { if (/^shift_/.test(e.kind)) load().catch(() => {}); });
}
