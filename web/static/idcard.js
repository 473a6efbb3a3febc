// The registration form's identity card button: the desk's reader (a pick
// list of the readers whose format is "idcard"), what it read in words
// (name, sex, birth, the masked number, valid until; expired or a bad
// number said in red), the name filled in, and the registration then taking
// the document from the read ("id_from") instead of a typed number.
import { t, el, api, time, errText } from './lib.js';

// The reader in use on form, or none: the typed fields are back.
function use(form, reader, r) {
  const box = form.querySelector('.idcard');
  const num = form.elements.id_number, type = form.elements.id_type;
  if (reader) {
    form.dataset.idFrom = reader;
    type.value = 'resident_card';
    num.value = r.id_mask;
  } else {
    delete form.dataset.idFrom;
    if (num.disabled) num.value = '';
  }
  // Disabled: not sent, and not "required" while the card stands for them.
  num.disabled = type.disabled = !!reader;
  box.querySelector('.undo').hidden = !reader;
}

export function idcardClear(form) {
  if (!form.querySelector('.idcard')) return;
  use(form, null);
  form.querySelector('.idread').replaceChildren();
}

// The registration's args with the document from the card read, when one
// is in use: lobbyd takes it from its own copy of the read.
export function idcardArgs(form, args) {
  if (!form.dataset.idFrom) return args;
  delete args.id_type;
  delete args.id_number;
  args.id_from = form.dataset.idFrom;
  return args;
}

function line(key, text, cls) {
  return el('div', cls ? { class: cls } : {}, el('span', { class: 'k', text: t(key) }), text);
}

function shown(r) {
  const kids = [line('idc.name', r.name), line('idc.sex', t('sex.' + r.sex)),
    line('idc.birth', r.birth), line('idc.number', r.id_mask),
    line('idc.valid_until', r.valid_until === '长期' ? t('idc.no_end') : r.valid_until)];
  if (r.expired) kids.push(el('div', { class: 'warn', text: t('idc.expired').replace('{1}', r.valid_until) }));
  if (!r.number_ok) kids.push(el('div', { class: 'warn', text: t('idc.bad_number').replace('{1}', r.number_problem || '') }));
  if (r.watch) kids.push(el('div', { class: 'warn', text: t('idc.watched') }));
  kids.push(el('div', { class: 'hint', text: t('idc.read_at').replace('{1}', time(r.read_ms)) }));
  return kids;
}

// Adds the button under the ID number, when the site has an identity card
// reader at the desk.
export async function idcardSetup(form) {
  let readers;
  try { readers = (await api('devices')).filter(d => d.kind === 'reader' && d.format === 'idcard'); }
  catch { return; }
  if (!readers.length) return;
  const pick = el('select', { name: 'idreader', 'aria-label': t('idc.reader') },
    ...readers.map(d => el('option', { value: d.name, text: d.name })));
  const out = el('div', { class: 'idread', 'aria-live': 'polite' });
  const read = el('button', { type: 'button', class: 'go', text: t('idc.read') });
  const undo = el('button', { type: 'button', class: 'undo', text: t('idc.undo'), hidden: '' });
  read.onclick = async () => {
    read.disabled = true;
    try {
      const r = await api('idcard.last', { reader: pick.value });
      if (!r.read) { out.replaceChildren(el('div', { class: 'warn', text: t('idc.none') })); use(form, null); return; }
      if (!r.ok) {
        out.replaceChildren(el('div', { class: 'warn', text: t('idc.failed').replace('{1}', r.error || '') }));
        use(form, null);
        return;
      }
      out.replaceChildren(...shown(r));
      form.elements.name.value = r.name;
      use(form, pick.value, r);
    } catch (e) { out.replaceChildren(el('div', { class: 'warn', text: errText(e) })); }
    finally { read.disabled = false; }
  };
  undo.onclick = () => idcardClear(form);
  const box = el('div', { class: 'idcard' }, el('span', { text: t('idc.title') }),
    el('div', { class: 'acts' }, pick, read, undo), out);
  form.elements.id_number.closest('label').after(box);
}
