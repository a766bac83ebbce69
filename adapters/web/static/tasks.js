// The task page: create, list (filters, sort, pages), inline edit, complete
// toggle and delete with confirmation; changes made elsewhere arrive through
// live sync (live.js) and are applied in place (applyChange).

import { api } from './api.js';
import { formatUtc, fromInputValue, isOverdue, toInputValue } from './dates.js';
import { busy, clearErrors, showApiError, showChecks } from './forms.js';
import { checkDescription, checkTitle, trimAscii } from './rules.js';

const $ = (id) => document.getElementById(id);
const field = (form, name) => form.elements.namedItem(name);
const SEARCH_DELAY_MS = 300;
// After changes arrive from elsewhere, the page's total and paging are read
// again once they stop for this long.
const RESYNC_DELAY_MS = 400;
const PRIORITY_RANK = { high: 0, medium: 1, low: 2 };
// Timestamps all have one format (UTC, six fraction digits, Z): as text
// they sort as instants, to the microsecond.
const byText = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
const asciiLower = (text) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

// A 401 has already sent the person to sign-in (see api.js); nothing more to show.
const signedOut = (error) => error?.status === 401;

export class TaskPage {
  // announce(message, kind) writes to the live region; confirm(text) opens
  // the delete dialog and resolves to true when confirmed.
  constructor({ announce, confirm }) {
    this.announce = announce;
    this.confirm = confirm;
    this.offset = 0;
    this.total = 0;
    this.controller = null;
    this.searchTimer = 0;
    this.resyncTimer = 0;
    this.shown = [];  // the tasks on the page, in order
    // Ids this page created whose `created` event has not come yet: that
    // event is this page's own change, not one made elsewhere (it can come
    // before this page has listed the new task).
    this.createdHere = new Set();

    this.heading = $('tasks-heading');
    this.newForm = $('new-task-form');
    this.filterForm = $('filter-form');
    this.list = $('task-list');
    this.summary = $('list-summary');
    this.empty = $('empty');
    this.prev = $('prev-page');
    this.next = $('next-page');
    this.pageInfo = $('page-info');
    this.pager = this.prev.parentElement;
    this.taskTemplate = $('task-template');
    this.editTemplate = $('edit-template');

    this.newForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.create();
    });
    this.filterForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.refilter();
    });
    this.filterForm.addEventListener('change', (event) => {
      if (event.target instanceof HTMLSelectElement) this.refilter();
    });
    this.filterForm.addEventListener('input', (event) => {
      if (event.target instanceof HTMLInputElement) {
        clearTimeout(this.searchTimer);
        this.searchTimer = setTimeout(() => this.refilter(), SEARCH_DELAY_MS);
      }
    });
    this.filterForm.addEventListener('reset', () => {
      // The reset event fires before the fields get their default values.
      setTimeout(() => this.refilter(), 0);
    });
    this.prev.addEventListener('click', () => this.page(-1));
    this.next.addEventListener('click', () => this.page(1));
  }

  start() {
    this.offset = 0;
    return this.load();
  }

  // Forgets everything shown (on sign-out), so the next person sees nothing of it.
  reset() {
    this.controller?.abort();
    this.controller = null;
    clearTimeout(this.searchTimer);
    clearTimeout(this.resyncTimer);
    this.shown = [];
    this.newForm.reset();
    this.filterForm.reset();
    clearErrors(this.newForm);
    clearErrors(this.filterForm);
    this.list.replaceChildren();
    this.summary.textContent = '';
    this.empty.hidden = true;
    this.pager.hidden = true;
    this.offset = 0;
    this.total = 0;
  }

  limit() {
    return Number(field(this.filterForm, 'limit').value) || 10;
  }

  query() {
    const f = this.filterForm;
    return {
      completed: field(f, 'completed').value,
      priority: field(f, 'priority').value,
      tag: trimAscii(field(f, 'tag').value),
      search: trimAscii(field(f, 'search').value),
      sort_by: field(f, 'sort_by').value,
      order: field(f, 'order').value,
      limit: this.limit(),
      offset: this.offset,
    };
  }

  filtersActive() {
    const q = this.query();
    return Boolean(q.completed || q.priority || q.tag || q.search);
  }

  refilter() {
    clearTimeout(this.searchTimer);
    this.offset = 0;
    return this.load();
  }

  page(step) {
    const offset = this.offset + step * this.limit();
    if (offset < 0 || offset >= this.total) return;
    this.offset = offset;
    this.load().then(() => this.heading.focus());
  }

  async load() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.list.setAttribute('aria-busy', 'true');
    try {
      const { data, headers } = await api.listTasks(this.query(), controller.signal);
      const tasks = Array.isArray(data) ? data : [];
      const total = Number(headers.get('X-Total-Count') ?? tasks.length);
      if (tasks.length === 0 && total > 0 && this.offset > 0) {
        // The last page emptied (a delete, or a filter changed elsewhere):
        // show the new last page instead of an empty one.
        this.offset = Math.floor((total - 1) / this.limit()) * this.limit();
        return this.load();
      }
      clearErrors(this.filterForm);
      this.render(tasks, total);
    } catch (error) {
      if (error?.name === 'AbortError' || signedOut(error)) return undefined;
      showApiError(this.filterForm, error);
    } finally {
      if (this.controller === controller) {
        this.list.removeAttribute('aria-busy');
        this.controller = null;
      }
    }
    return undefined;
  }

  render(tasks, total) {
    this.total = total;
    this.shown = tasks.slice();
    this.list.replaceChildren(...tasks.map((task) => this.renderTask(task)));
    this.describePage();
  }

  describePage() {
    const tasks = this.shown;
    const total = this.total;
    const limit = this.limit();
    if (total === 0) {
      this.summary.textContent = '';
      this.empty.textContent = this.filtersActive()
        ? 'No tasks match these filters.'
        : 'No tasks yet. Add your first one above.';
      this.empty.hidden = false;
    } else {
      this.empty.hidden = true;
      const noun = total === 1 ? 'task' : 'tasks';
      this.summary.textContent =
        tasks.length === total
          ? `${total} ${noun}`
          : `Showing ${this.offset + 1}–${this.offset + tasks.length} of ${total} ${noun}`;
    }
    const pages = Math.max(1, Math.ceil(total / limit));
    const current = Math.floor(this.offset / limit) + 1;
    this.pager.hidden = pages <= 1;
    this.pageInfo.textContent = `Page ${current} of ${pages}`;
    this.prev.disabled = this.offset === 0;
    this.next.disabled = this.offset + limit >= total;
  }

  renderTask(task) {
    const li = this.taskTemplate.content.firstElementChild.cloneNode(true);
    li.dataset.id = String(task.id);
    li.classList.toggle('done', task.completed);

    const checkbox = li.querySelector('.task-done');
    const checkLabel = li.querySelector('.task-done-label');
    checkbox.id = `done-${task.id}`;
    checkbox.checked = task.completed;
    checkLabel.htmlFor = checkbox.id;
    checkLabel.textContent = `Done: ${task.title}`;
    checkbox.addEventListener('change', () => this.toggle(task, checkbox));

    li.querySelector('.task-title').textContent = task.title;
    const description = li.querySelector('.task-description');
    description.textContent = task.description ?? '';
    description.hidden = !task.description;

    const badge = li.querySelector('.priority');
    badge.textContent = task.priority;
    badge.classList.add(`priority-${task.priority}`);
    badge.title = 'Priority';

    const due = li.querySelector('.due');
    if (task.due_date) {
      const time = document.createElement('time');
      time.dateTime = task.due_date;
      time.textContent = formatUtc(task.due_date);
      due.append('Due ', time);
      due.classList.toggle('overdue', !task.completed && isOverdue(task.due_date));
    } else {
      due.hidden = true;
    }

    const tags = li.querySelector('.tags');
    for (const tag of task.tags ? task.tags.split(',') : []) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'tag';
      button.textContent = tag;
      button.setAttribute('aria-label', `Show tasks tagged ${tag}`);
      button.addEventListener('click', () => {
        field(this.filterForm, 'tag').value = tag;
        this.refilter();
      });
      tags.append(button);
    }

    const edit = li.querySelector('.task-edit');
    edit.setAttribute('aria-label', `Edit “${task.title}”`);
    edit.addEventListener('click', () => this.edit(li, task));
    const remove = li.querySelector('.task-delete');
    remove.setAttribute('aria-label', `Delete “${task.title}”`);
    remove.addEventListener('click', () => this.remove(task, remove));
    return li;
  }

  // Live sync: a change made elsewhere (another tab or device), applied to
  // what is shown at once; the total and paging are read again shortly
  // after, unless a task is being edited (its form must not be lost).
  applyChange(kind, data) {
    const mine = kind === 'created' && this.createdHere.delete(data.id);
    const at = this.shown.findIndex((task) => task.id === data.id);
    const li = this.list.querySelector(`li[data-id="${data.id}"]`);
    const editing = li?.classList.contains('editing') ?? false;
    if (kind === 'updated' && at >= 0 && this.shown[at].updated_at === data.updated_at) return;  // seen already
    if (kind === 'created' && at >= 0) return;
    if (at >= 0 && !editing) {
      this.shown.splice(at, 1);
      li.remove();
      if (kind === 'deleted') this.total = Math.max(0, this.total - 1);
    }
    if (kind !== 'deleted' && !editing && this.belongsHere(data)) {
      const before = this.shown.findIndex((task) => this.compare(data, task) < 0);
      const view = this.renderTask(data);
      if (before < 0) {
        this.shown.push(data);
        this.list.append(view);
      } else {
        this.shown.splice(before, 0, data);
        this.list.insertBefore(view, this.list.children[before]);
      }
      if (kind === 'created') this.total += 1;
      while (this.shown.length > this.limit()) {
        this.shown.pop();
        this.list.lastElementChild.remove();
      }
    }
    if (kind === 'created' && data.title && !mine) this.announce(`“${data.title}” was added elsewhere.`);
    this.describePage();
    this.resyncSoon();
  }

  resyncSoon() {
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => {
      if (this.list.querySelector('li.editing')) {
        this.resyncSoon();
        return;
      }
      this.load();
    }, RESYNC_DELAY_MS);
  }

  // Whether a task changed elsewhere is one this page shows: it matches
  // the filters and sorts within the page's range.
  belongsHere(task) {
    const q = this.query();
    if (q.completed !== '' && String(task.completed) !== q.completed) return false;
    if (q.priority && task.priority !== q.priority) return false;
    if (q.tag && !(task.tags ?? '').split(',').some((tag) => asciiLower(tag) === asciiLower(q.tag))) return false;
    if (q.search) {
      const needle = asciiLower(q.search);
      if (!asciiLower(task.title).includes(needle) && !asciiLower(task.description ?? '').includes(needle)) return false;
    }
    if (this.offset === 0) return true;
    // A later page: only between its first and last task.
    const first = this.shown[0];
    return first !== undefined && this.compare(task, first) > 0 && this.shown.length >= this.limit()
      ? this.compare(task, this.shown[this.shown.length - 1]) < 0
      : false;
  }

  // The server's order for the chosen sort (SPEC §1), ties by id.
  compare(a, b) {
    const q = this.query();
    const sign = q.order === 'asc' ? 1 : -1;
    let key = 0;
    if (q.sort_by === 'due_date') {
      if (a.due_date === null || b.due_date === null) {
        key = (a.due_date === null) - (b.due_date === null);  // none last, both orders
        if (key !== 0) return key;
      } else {
        key = sign * byText(a.due_date, b.due_date);
      }
    } else if (q.sort_by === 'priority') {
      key = sign * (PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority]);
    } else if (q.sort_by === 'title') {
      const x = asciiLower(a.title);
      const y = asciiLower(b.title);
      key = sign * byText(x, y);
    } else {
      const field = q.sort_by === 'updated_at' ? 'updated_at' : 'created_at';
      key = sign * byText(a[field], b[field]);
    }
    return key !== 0 ? key : a.id - b.id;
  }

  // After the list is redrawn, puts focus back on the same control of the
  // same task, or on the heading when the task left this page.
  refocus(id, selector) {
    const li = this.list.querySelector(`li[data-id="${id}"]`);
    const target = li?.querySelector(selector);
    (target ?? this.heading).focus();
  }

  async create() {
    const form = this.newForm;
    const title = field(form, 'title').value;
    const description = field(form, 'description').value;
    const ok = showChecks(form, { title: checkTitle(title), description: checkDescription(description) });
    if (!ok) return;
    const task = { title: trimAscii(title), priority: field(form, 'priority').value };
    if (description !== '') task.description = description;
    const tags = field(form, 'tags').value;
    if (trimAscii(tags) !== '') task.tags = tags;
    const due = fromInputValue(field(form, 'due_date').value);
    if (due !== null) task.due_date = due;
    await busy(form, async () => {
      try {
        const { data } = await api.createTask(task);
        this.createdHere.add(data.id);
        form.reset();
        clearErrors(form);
        this.announce(`Added “${data.title}”.`);
        await this.load();
        field(form, 'title').focus();
      } catch (error) {
        if (!signedOut(error)) showApiError(form, error);
      }
    });
  }

  async toggle(task, checkbox) {
    checkbox.disabled = true;
    try {
      const { data } = await api.setCompleted(task.id, checkbox.checked);
      this.announce(data.completed ? `Marked “${data.title}” done.` : `Marked “${data.title}” not done.`);
      await this.load();
      this.refocus(task.id, '.task-done');
    } catch (error) {
      checkbox.checked = !checkbox.checked;
      if (!signedOut(error)) this.announce(error.message, 'error');
    } finally {
      checkbox.disabled = false;
    }
  }

  edit(li, task) {
    const form = this.editTemplate.content.firstElementChild.cloneNode(true);
    // Ids unique per task so every label points at its own input.
    for (const label of form.querySelectorAll('label[data-field]')) {
      const name = label.dataset.field;
      const input = field(form, name);
      const error = form.querySelector(`[data-error-for="${name}"]`);
      input.id = `edit-${task.id}-${name}`;
      error.id = `${input.id}-error`;
      label.htmlFor = input.id;
      input.setAttribute('aria-describedby', error.id);
    }
    form.setAttribute('aria-label', `Edit “${task.title}”`);
    field(form, 'title').value = task.title;
    field(form, 'description').value = task.description ?? '';
    field(form, 'priority').value = task.priority;
    field(form, 'due_date').value = toInputValue(task.due_date);
    field(form, 'tags').value = task.tags ?? '';

    const cancel = () => {
      const view = this.renderTask(task);
      li.replaceWith(view);
      view.querySelector('.task-edit').focus();
    };
    form.querySelector('.edit-cancel').addEventListener('click', cancel);
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        cancel();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save(task, form);
    });

    li.classList.add('editing');
    li.replaceChildren(form);
    field(form, 'title').focus();
  }

  async save(task, form) {
    const title = field(form, 'title').value;
    const description = field(form, 'description').value;
    const ok = showChecks(form, { title: checkTitle(title), description: checkDescription(description) });
    if (!ok) return;
    const tags = field(form, 'tags').value;
    const changes = {
      title: trimAscii(title),
      // null clears a field (SPEC §1, PUT).
      description: description === '' ? null : description,
      priority: field(form, 'priority').value,
      tags: trimAscii(tags) === '' ? null : tags,
      due_date: fromInputValue(field(form, 'due_date').value),
    };
    await busy(form, async () => {
      try {
        const { data } = await api.updateTask(task.id, changes);
        this.announce(`Saved “${data.title}”.`);
        await this.load();
        this.refocus(task.id, '.task-edit');
      } catch (error) {
        if (!signedOut(error)) showApiError(form, error);
      }
    });
  }

  async remove(task, button) {
    const confirmed = await this.confirm(`“${task.title}” will be deleted. This cannot be undone.`);
    if (!confirmed) {
      button.focus();
      return;
    }
    try {
      await api.deleteTask(task.id);
      this.announce(`Deleted “${task.title}”.`);
      await this.load();
      this.heading.focus();
    } catch (error) {
      if (!signedOut(error)) this.announce(error.message, 'error');
    }
  }
}
