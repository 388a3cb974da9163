// The live feed of the selected subject, newest first so the latest update is visible without scrolling.
// Entries are added as they come (the list is an aria-live region: only additions are announced); switching
// subjects redraws it with announcements off.
import { h } from './dom.js';
import { timeElement } from './time.js';

const doorNames = { zmq: 'the legacy ZeroMQ door', rest: 'the REST API', hub: 'a browser (SignalR hub)' };

export class Feed {
    #list;
    #empty;
    #shown = new Map(); // feed entry -> <li>

    constructor(list, empty) {
        this.#list = list;
        this.#empty = empty;
    }

    /** Draws a subject's feed from scratch, without reading it all out. */
    redraw(entries) {
        this.#list.setAttribute('aria-live', 'off');
        this.#list.replaceChildren();
        this.#shown.clear();
        this.sync(entries);
        requestAnimationFrame(() => this.#list.setAttribute('aria-live', 'polite'));
    }

    /** Adds the entries not shown yet (they come oldest first) and drops those the feed let go. */
    sync(entries) {
        const kept = new Set(entries);
        for (const [entry, item] of this.#shown) {
            if (!kept.has(entry)) {
                item.remove();
                this.#shown.delete(entry);
            }
        }
        for (const entry of entries) {
            if (this.#shown.has(entry)) continue;
            const item = entry.gap ? gapItem(entry) : updateItem(entry);
            this.#shown.set(entry, item);
            this.#list.prepend(item);
        }
        this.#empty.hidden = entries.length > 0;
    }
}

function updateItem({ update, highlight }) {
    return h('li', { class: highlight ? 'feed-item highlight' : 'feed-item', dataset: { sequence: update.sequence } },
        h('div', { class: 'feed-head' },
            h('span', { class: `door door-${update.door}`, title: `Posted through ${doorNames[update.door] ?? update.door}` }, update.door),
            h('span', { class: 'sequence' }, `#${update.sequence}`),
            timeElement(update.timestamp),
            highlight ? h('span', { class: 'pill pill-new' }, 'new') : null),
        h('p', { class: 'feed-text' }, update.text));
}

function gapItem({ since }) {
    const text = since === null ? 'Older updates are not shown here.' : `Some updates after #${since} are not shown here.`;
    return h('li', { class: 'feed-gap' }, text);
}
