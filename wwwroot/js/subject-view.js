// The selected subject: its name, state, subscribe toggle, notices, live feed and whole content.
import { byId, h, plural } from './dom.js';
import { Feed } from './feed.js';
import { relativeTime } from './time.js';

export class SubjectView {
    #subscriptions;
    #feed = new Feed(byId('feed'), byId('feed-empty'));
    #elements = {
        section: byId('subject-view'),
        placeholder: byId('subject-placeholder'),
        detail: byId('subject-detail'),
        title: byId('subject-title'),
        toggle: byId('subscribe-toggle'),
        meta: byId('subject-meta'),
        error: byId('subject-error'),
        notices: byId('subject-notices'),
        content: byId('subject-content'),
        forms: [byId('post-form'), byId('email-form')],
    };

    constructor(subscriptions) {
        this.#subscriptions = subscriptions;
        this.#elements.toggle.addEventListener('click', () => {
            if (subscriptions.selected !== null) subscriptions.togglePin(subscriptions.selected);
        });

        subscriptions.addEventListener('selection', () => this.#redraw());
        const forSelected = handler => event => {
            if (event.detail.name === subscriptions.selected) handler();
        };
        subscriptions.addEventListener('update', forSelected(() => this.#refresh()));
        subscriptions.addEventListener('caught-up', forSelected(() => this.#refresh()));
        subscriptions.addEventListener('error', forSelected(() => this.#refresh()));
        subscriptions.addEventListener('deleted', forSelected(() => this.#refresh()));
        subscriptions.addEventListener('pins', forSelected(() => this.#showToggle()));
        subscriptions.addEventListener('presence', () => this.#showMeta());
    }

    #redraw() {
        const name = this.#subscriptions.selected;
        const { placeholder, detail, title, content } = this.#elements;
        placeholder.hidden = name !== null;
        detail.hidden = name === null;
        if (name === null) return;
        title.textContent = name;
        content.textContent = 'Loading…';
        this.#feed.redraw(this.#subscriptions.get(name).feed);
        this.#refresh();
    }

    /** Everything that follows from the subject's state; cheap enough to run on each update. */
    #refresh() {
        const subject = this.#subscriptions.get(this.#subscriptions.selected);
        const { content, error, notices, forms } = this.#elements;
        this.#feed.sync(subject.feed);
        if (subject.settledOnce) this.#showContent(subject.stream.content);
        error.textContent = subject.error ?? '';
        notices.replaceChildren(...[...subject.notices.values()].map(text => h('p', { class: 'notice' }, text)));
        for (const form of forms) form.inert = subject.deleted;
        content.setAttribute('aria-busy', String(!subject.settledOnce));
        this.#showToggle();
        this.#showMeta();
    }

    #showContent(text) {
        const { content } = this.#elements;
        // Follow the end of the content as it grows, unless the person scrolled up to read.
        const atEnd = content.scrollTop + content.clientHeight >= content.scrollHeight - 8;
        content.textContent = text === '' ? '(empty)' : text;
        if (atEnd) content.scrollTop = content.scrollHeight;
    }

    #showToggle() {
        const pinned = this.#subscriptions.isPinned(this.#subscriptions.selected);
        const { toggle } = this.#elements;
        toggle.setAttribute('aria-pressed', String(pinned));
        toggle.textContent = pinned ? 'Subscribed' : 'Subscribe';
        toggle.title = pinned ? 'Press to unsubscribe' : 'Keep this subject live while viewing others';
    }

    #showMeta() {
        const name = this.#subscriptions.selected;
        const presence = name === null ? undefined : this.#subscriptions.presence.get(name);
        if (!presence) return;
        const updated = presence.lastUpdatedAt
            ? `Last update #${presence.lastSequence} ${relativeTime(presence.lastUpdatedAt)}`
            : 'No updates yet';
        const modes = presence.emailCount > 0 ? this.#subscriptions.modesOf(name) : null;
        const emails = plural(presence.emailCount, 'email') + (modes ? ` (${describeModes(modes)})` : '');
        this.#elements.meta.textContent = [updated, emails,
            plural(presence.browsers, 'browser'), plural(presence.zmqSubscribers, 'ZeroMQ subscriber'),
            plural(presence.eventStreams ?? 0, 'event stream')].join(' · ');
    }
}

/** "2 immediate, 1 digest": the modes that have registrations. */
function describeModes({ immediate, digest, off }) {
    return [[immediate, 'immediate'], [digest, 'digest'], [off, 'off']]
        .filter(([count]) => count > 0).map(([count, mode]) => `${count} ${mode}`).join(', ');
}
