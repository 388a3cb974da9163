// The subject list. The overview refreshes it every few seconds, so items are updated in place and moved only
// when the order changes: re-creating them would take keyboard focus away from the person tabbing through it.
import { h, plural } from './dom.js';
import { setTime } from './time.js';

export class SubjectList {
    #list;
    #empty;
    #subscriptions;
    #items = new Map(); // name -> { item, button, parts }

    constructor(list, empty, subscriptions, onSelect) {
        this.#list = list;
        this.#empty = empty;
        this.#subscriptions = subscriptions;
        list.addEventListener('click', event => {
            const button = event.target.closest('button[data-subject]');
            if (button) onSelect(button.dataset.subject);
        });
        for (const type of ['presence', 'pins', 'selection', 'update', 'caught-up', 'deleted']) {
            subscriptions.addEventListener(type, () => this.render());
        }
    }

    render() {
        const subjects = [...this.#subscriptions.presence.values()]
            .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
        this.#empty.hidden = subjects.length > 0;

        let cursor = this.#list.firstElementChild;
        const present = new Set();
        for (const subject of subjects) {
            present.add(subject.name);
            const entry = this.#items.get(subject.name) ?? this.#create(subject.name);
            this.#fill(entry, subject);
            if (entry.item === cursor) cursor = cursor.nextElementSibling;
            else this.#list.insertBefore(entry.item, cursor);
        }
        for (const [name, entry] of this.#items) {
            if (!present.has(name)) {
                entry.item.remove();
                this.#items.delete(name);
            }
        }
    }

    #create(name) {
        const parts = {
            pinned: h('span', { class: 'pill pill-subscribed' }, 'subscribed'),
            unread: h('span', { class: 'pill pill-unread' }),
            time: h('time', { 'data-relative': true }),
            never: h('span', {}, 'no updates yet'),
            emails: h('span', { 'data-count': 'emails' }),
            browsers: h('span', { 'data-count': 'browsers' }),
            zmq: h('span', { 'data-count': 'zmq' }),
        };
        const button = h('button', { type: 'button', class: 'subject-button', dataset: { subject: name } },
            h('span', { class: 'subject-line' }, h('span', { class: 'subject-name' }, name), parts.pinned, parts.unread),
            h('span', { class: 'subject-meta' }, parts.time, parts.never, parts.emails, parts.browsers, parts.zmq));
        const entry = { item: h('li', { dataset: { subject: name } }, button), button, parts };
        this.#items.set(name, entry);
        return entry;
    }

    #fill({ item, button, parts }, subject) {
        const state = this.#subscriptions.get(subject.name);
        const selected = this.#subscriptions.selected === subject.name;
        item.classList.toggle('selected', selected);
        if (selected) button.setAttribute('aria-current', 'true');
        else button.removeAttribute('aria-current');

        parts.pinned.hidden = !this.#subscriptions.isPinned(subject.name);
        const unread = state?.unread ?? 0;
        parts.unread.hidden = unread === 0;
        parts.unread.textContent = `${unread} new`;

        parts.time.hidden = !subject.lastUpdatedAt;
        parts.never.hidden = Boolean(subject.lastUpdatedAt);
        if (subject.lastUpdatedAt && parts.time.dateTime !== subject.lastUpdatedAt) setTime(parts.time, subject.lastUpdatedAt);
        parts.emails.textContent = plural(subject.emailCount, 'email');
        parts.browsers.textContent = plural(subject.browsers, 'browser');
        parts.zmq.textContent = `${subject.zmqSubscribers} ZeroMQ`;
        parts.zmq.title = plural(subject.zmqSubscribers, 'ZeroMQ subscriber') + ' (distinct topics: two clients on one topic count once)';
    }
}
