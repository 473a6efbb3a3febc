// lobbyweb's pick of a person on record for a form: a few characters of a
// name, company, unit or masked ID number typed, and at most a page (PICK)
// of the people lobbyd finds shown under the field as they are typed; the
// one picked is said beside it and their number kept for the form. Never the
// whole list: a tower has tens of thousands of people.
import { t, el, apiPage, errText } from './lib.js';

const PICK = 20;	// people a lookup shows
const WAIT_MS = 250;	// typing paused this long: look up

// A person as a clerk tells them apart: name, kind, company, unit, masked
// ID number, their state unless active, and their number on record.
export function personLabel(p) {
  return [p.name, t('pk.' + p.kind), p.company, p.unit, p.id_mask,
    p.status !== 'active' ? t('ps.' + p.status) : '', t('pick.no').replace('{1}', p.id)]
    .filter(Boolean).join(' · ');
}

// input: the text field (in a label); kind: the kinds to find
// ("tenant_staff,property_staff"); why(p): why p may not be picked (a
// catalog key), or null; said: the element that says who is picked;
// picked(p): called when one is. Returns { person, set(p), clear() }.
export function personPick(input, { kind, why = () => null, said, picked = () => {} }) {
  const list = el('ul', { class: 'picks', role: 'listbox', hidden: '' });
  const box = el('span', { class: 'finder' });
  input.replaceWith(box);
  box.append(input, list);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  let person = null, seq = 0, timer = null, choices = [], at = -1;
  const close = () => {
    list.hidden = true;
    at = -1;
    input.setAttribute('aria-expanded', 'false');
  };
  const open = () => {
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };
  const set = p => {
    // A lookup still to come, or on its way, is of no use now.
    clearTimeout(timer);
    seq++;
    person = p;
    input.value = p ? p.name : '';
    said.textContent = p ? personLabel(p) : '';
    close();
  };
  const choose = p => { set(p); picked(p); };
  const mark = i => {
    choices.forEach((c, j) => c.li.classList.toggle('on', j === i));
    at = i;
    if (i >= 0) choices[i].li.scrollIntoView({ block: 'nearest' });
  };
  const find = async () => {
    const q = input.value.trim(), mine = ++seq;
    if (!q) { choices = []; list.replaceChildren(); close(); return; }
    let r;
    try {
      r = await apiPage('person.list', { find: q, kind, limit: PICK });
    } catch (e) {
      if (mine !== seq) return;
      choices = [];
      list.replaceChildren(el('li', { class: 'note bad', text: errText(e) }));
      open();
      return;
    }
    if (mine !== seq) return;	// a later lookup went out meanwhile
    choices = [];
    const items = r.data.map(p => {
      const no = why(p);
      const li = el('li', { role: 'option', text: personLabel(p) });
      if (no) {
        li.setAttribute('aria-disabled', 'true');
        li.append(el('span', { class: 'why', text: t(no) }));
      } else {
        choices.push({ li, p });
      }
      li.addEventListener('mousedown', ev => { ev.preventDefault(); if (!no) choose(p); });
      return li;
    });
    if (!items.length) items.push(el('li', { class: 'note', text: t('pick.none').replace('{1}', q) }));
    if (r.more) items.push(el('li', { class: 'note', text: t('pick.more').replace('{1}', PICK) }));
    list.replaceChildren(...items);
    at = -1;
    open();
  };
  input.addEventListener('input', () => {
    person = null;
    said.textContent = '';
    clearTimeout(timer);
    timer = setTimeout(find, WAIT_MS);
  });
  input.addEventListener('keydown', ev => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      if (list.hidden || !choices.length) return;
      ev.preventDefault();
      const n = choices.length;
      mark(ev.key === 'ArrowDown' ? (at + 1) % n : (at - 1 + n) % n);
    } else if (ev.key === 'Enter' && !list.hidden && (at >= 0 || choices.length === 1)) {
      // Enter picks the one marked, or the only one found; not the form's submit.
      ev.preventDefault();
      choose(choices[Math.max(at, 0)].p);
    } else if (ev.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', close);
  input.addEventListener('focus', () => { if (!person && list.children.length) open(); });
  return { get person() { return person; }, set, clear: () => { set(null); list.replaceChildren(); choices = []; } };
}
