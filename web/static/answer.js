// lobbyweb: the host's one-time link. Opening it only shows the visit (chat
// apps open links to preview them); the host's button answers, once, with a
// POST carrying this page's own token (lobbyweb's web/answer.c checks it).
import { S, t, el, langOf, minute } from './lib.js';

const token = new URLSearchParams(location.search).get('t') || '';
const chosen = new URLSearchParams(location.search).get('a');

function header() {
  const other = langOf() === 'en' ? 'zh-CN' : 'en';
  document.getElementById('top').replaceChildren(el('span', { class: 'brand', text: t('app.title') }),
    el('span', { class: 'grow' }),
    el('button', { id: 'lang', type: 'button', text: other === 'en' ? 'English' : '中文',
      onclick: () => { document.cookie = `lw_lang=${other}; path=/; SameSite=Strict`; location.reload(); } }));
}

// What went wrong, in words: a used or wrong link gets one answer.
function said(j) {
  const out = document.getElementById('out');
  out.className = 'out bad';
  out.textContent = t(j && j.code ? j.code : 'err.lobbyd');
  if (j && j.code === 'ans.invalid') {
    document.getElementById('title').textContent = t('ans.invalid');
    out.textContent = t('ans.invalid_why');
  }
  if (j && j.error) out.title = j.error;
}

async function answer(csrf, a) {
  for (const b of document.querySelectorAll('#acts button')) b.disabled = true;
  try {
    const r = await fetch('/api/answer', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ t: token, answer: a }) });
    const j = await r.json();
    if (!r.ok) throw j;
    document.getElementById('acts').hidden = true;
    document.getElementById('ask').hidden = true;
    const out = document.getElementById('out');
    out.className = 'out ok';
    out.textContent = t(j.state === 'active' ? 'ans.confirmed' : 'ans.declined');
  } catch (j) {
    said(j);
    if (!j || j.code !== 'ans.invalid')
      for (const b of document.querySelectorAll('#acts button')) b.disabled = false;
    else document.getElementById('acts').hidden = true;
  }
}

async function main() {
  S.cat = await (await fetch(`/i18n/${langOf()}.json`)).json();
  document.documentElement.lang = langOf();
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  document.title = t('ans.title');
  header();
  try {
    const r = await fetch('/api/answer?t=' + encodeURIComponent(token), { credentials: 'same-origin' });
    const j = await r.json();
    if (!r.ok) throw j;
    const v = j.data;
    const set = (id, text) => { document.getElementById(id).textContent = text; };
    set('v-name', v.name);
    set('v-host', v.host);
    set('v-purpose', v.purpose);
    set('v-party', String(v.party));
    set('v-class', t('cls.' + v.class));
    set('v-issued', minute(v.issued_ms));
    set('v-until', v.valid_until_ms ? minute(v.valid_until_ms) : '');
    document.getElementById('visit').hidden = false;
    const ask = document.getElementById('ask');
    ask.hidden = false;
    ask.textContent = t(chosen === 'decline' ? 'ans.ask_decline' : chosen === 'confirm' ? 'ans.ask_confirm' : 'ans.ask');
    document.getElementById('acts').hidden = false;
    document.getElementById('confirm').onclick = () => answer(j.csrf, 'confirm');
    document.getElementById('decline').onclick = () => answer(j.csrf, 'decline');
    // The answer the link was for is the one at hand; nothing happens until
    // it is pressed.
    document.getElementById(chosen === 'decline' ? 'decline' : 'confirm').focus();
  } catch (j) { said(j); }
  document.body.dataset.ready = '1';
}
main();
