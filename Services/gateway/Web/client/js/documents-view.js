// section#documents: upload (multipart), the list with each document's status (polled while its
// chunks are embedded), delete.
import * as api from './api.js';
import {h, fill, iconButton} from './dom.js';
import {t, formatNumber, formatRelative} from './i18n.js';
import {confirmAction} from './confirm-dialog.js';
import {describeError} from './errors.js';

const encode = encodeURIComponent;
const ACCEPT = '.txt,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf';

export function mountDocuments(main) {
  const list = h('ul', {id: 'document-list', class: 'card-list', 'aria-label': t('documents.list')});
  const status = h('p', {class: 'form-status', role: 'status'});
  const file = h('input', {type: 'file', name: 'file', id: 'document-file', accept: ACCEPT, required: true});
  const say = (message) => { status.textContent = message || ''; };
  let poll = 0;

  const draw = (items) => fill(list, items.length ? items.map(documentItem) : h('li', {class: 'empty'}, t('documents.empty')));
  const schedule = () => {
    clearTimeout(poll);
    if (list.querySelector('[data-status=pending]')) poll = setTimeout(refreshPending, 1000);
  };
  const refreshPending = async () => {
    for (const li of list.querySelectorAll('li[data-status=pending]')) {
      try {
        li.replaceWith(documentItem(await api.get(`/documents/${encode(li.dataset.documentId)}`)));
      } catch { /* tried again next time */ }
    }
    schedule();
  };
  const load = async () => {
    try {
      draw((await api.get('/documents?limit=200')).items);
      schedule();
    } catch (error) { say(describeError(error)); }
  };

  const form = h('form', {id: 'document-upload', class: 'inline-form', onsubmit: async (event) => {
    event.preventDefault();
    if (!file.files.length) return;
    const body = new FormData();
    body.append('file', file.files[0]);
    say(t('documents.uploading'));
    try {
      const result = await api.request('/documents', {method: 'POST', form: body});
      say(t('documents.uploaded', {title: result.title || file.files[0].name}));
      form.reset();
      load();
    } catch (error) { say(describeError(error)); }
  }}, h('label', {for: 'document-file', class: 'file-label'}, t('documents.choose')), file,
  h('button', {type: 'submit', class: 'button primary'}, t('documents.upload')));

  list.addEventListener('click', async (event) => {
    const li = event.target.closest('li[data-document-id]');
    if (!li || !event.target.closest('button[data-action=delete]')) return;
    const title = li.querySelector('.document-title').textContent;
    if (!(await confirmAction(t('documents.confirmDelete', {title})))) return;
    try {
      await api.del(`/documents/${encode(li.dataset.documentId)}`);
      li.remove();
      say(t('documents.deleted'));
    } catch (error) { say(describeError(error)); }
  });

  main.replaceChildren(h('section', {id: 'documents', class: 'page', 'aria-labelledby': 'documents-title'},
    h('h1', {id: 'documents-title'}, t('documents.title')), h('p', {class: 'lead'}, t('documents.lead')), form, status, list));
  load();
  return {unmount: () => clearTimeout(poll)};
}

function documentItem(doc) {
  const ready = doc.status === 'ready';
  const progress = ready ? t('documents.ready')
    : t('documents.pending', {done: formatNumber(doc.embedded || 0), total: formatNumber(doc.chunks || 0)});
  const when = doc.created_at ? formatRelative(new Date(doc.created_at * 1000)) : '';
  return h('li', {class: 'card-item', dataset: {documentId: doc.id, status: doc.status}},
    h('div', {class: 'item-main'},
      h('p', {class: 'document-title'}, doc.title),
      h('p', {class: 'item-meta'}, h('span', {class: 'document-status', dataset: {status: doc.status}}, progress),
        when ? ` · ${when}` : '', doc.chunks ? ` · ${t('documents.chunks', {n: formatNumber(doc.chunks), count: doc.chunks})}` : '')),
    iconButton('trash', t('documents.delete', {title: doc.title}), {'data-action': 'delete'}));
}
