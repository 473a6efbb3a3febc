// lobbyweb's card list: find a card by the start of its uid or part of its
// holder's name, a page at a time (a tower has a million cards: the page
// never holds more than one page of them); add a card; remove one after a
// confirmation. Each is one lobbyd request as the web user.
import { t, el, apiPage, post, row, button, minute, when, translateForm, onSubmit, showOk,
  showErr, clearErrs, given, none, pager } from './lib.js';

const ROWS = 20;	// cards a page shows: about a clerk's screen

// A card's floors, [1, 3, 4, 5], as a clerk writes them: "1,3-5".
function floorsText(list) {
  const out = [];
  for (let i = 0; i < list.length; i++) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    out.push(j > i ? `${list[i]}-${list[j]}` : String(list[i]));
    i = j;
  }
  return out.join(',');
}

export async function cardsPage() {
  const add = document.getElementById('cadd'), find = document.getElementById('cfind');
  const tb = document.querySelector('#cards tbody'), state = document.getElementById('cstate');
  const prev = document.getElementById('cprev'), next = document.getElementById('cnext');
  const pageNo = document.getElementById('cpage'), out = document.getElementById('cout');
  translateForm(add);
  translateForm(find);
  let q = '';
  const say = (text, ok) => { out.textContent = text; out.className = ok ? 'out ok' : 'out bad'; };
  const read = after => {
    state.textContent = t('cd.searching');
    return apiPage('card.list', given({ find: q, after, limit: ROWS }));
  };
  const show = (r, at) => {
    const more = r.more ?? null;
    tb.replaceChildren(...r.data.map(c => {
      const rm = button('cd.remove', async () => {
        if (!confirm(t('cd.remove_ask').replace('{1}', c.uid).replace('{2}', c.holder))) return;
        try {
          await post('card.remove', { uid: c.uid });
          say(t('cd.removed').replace('{1}', c.uid).replace('{2}', c.holder), true);
          await pages.load();
        } catch (e) { showErr(find, e); }
      }, 'stop');
      const tr = row([c.uid, c.holder, c.valid_from_ms ? minute(c.valid_from_ms) : t('cd.no_start'),
        c.valid_until_ms ? minute(c.valid_until_ms) : t('cd.no_end'),
        c.floors.length ? floorsText(c.floors) : t('cd.no_floors'),
        t(c.enabled ? 'cd.on' : 'cd.off'), el('span', { class: 'acts' }, rm)]);
      tr.className = c.enabled ? 'cd-on' : 'cd-off';
      tr.dataset.uid = c.uid;
      return tr;
    }));
    // A search reads the list a share at a time: an empty page with more
    // behind it has not found anything yet, but is not the end.
    if (!r.data.length) none(tb, more ? 'cd.none_yet' : q ? 'cd.none_found' : 'cd.none');
    state.textContent = q ? t('cd.found').replace('{1}', q) : t('cd.all');
    pageNo.textContent = t(more ? 'cd.page' : 'cd.page_last').replace('{1}', at + 1);
  };
  const pages = pager(prev, next, read, show, e => showErr(find, e));
  const search = async text => {
    q = text;
    await pages.first();
  };
  find.onsubmit = async ev => {
    ev.preventDefault();
    clearErrs(find);
    out.textContent = '';
    try { await search(find.elements.find.value.trim()); } catch (e) { showErr(find, e); }
  };
  document.getElementById('call').onclick = () => {
    find.elements.find.value = '';
    find.requestSubmit();
  };
  onSubmit(add, 'card.add', d => given({ uid: d.uid.trim().toUpperCase(), holder: d.holder.trim(),
    valid_from_ms: when(add, 'valid_from_ms') || undefined,
    valid_until_ms: when(add, 'valid_until_ms') || undefined,
    floors: d.floors.trim(), replace: false }), async c => {
    showOk(add, t('cd.added').replace('{1}', c.uid).replace('{2}', c.holder));
    for (const k of ['uid', 'holder', 'valid_from_ms', 'valid_until_ms', 'floors']) add.elements[k].value = '';
    // The new card on the list, found by its uid.
    find.elements.find.value = c.uid;
    out.textContent = '';
    await search(c.uid);
  });
  await search('');	// first: lobbyd says whether this role may read the list
}
