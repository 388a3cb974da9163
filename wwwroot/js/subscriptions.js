// Which subjects this page listens to, and what it knows of each. The selected subject is always subscribed
// (its feed is live); subscribed ("pinned") ones stay subscribed while the person looks at others. After every
// (re)connection each of them is subscribed again from its last seen sequence number, so a page that was away
// shows what it missed, once. Views listen to the events this dispatches.
import { SubjectStream } from './subject-stream.js';
import { parseHubError } from './hub-errors.js';

const storageKey = 'messagequeue.subscribed';
const recentUpdates = 20; // shown in the feed when a subject is opened, so the feed is never blank for long
const feedLimit = 200;
const modesRetryDelay = 10_000; // ms before asking again for the counts per mail mode after a refusal
const seenReportDelay = 250; // ms: one Seen call for the updates of a busy subject, well inside the gateway's grace

/** What the page holds of one subject: its stream, its feed (oldest first), notices for the person. */
class Subject {
    feed = [];
    notices = new Map();
    unread = 0;
    error = null;
    deleted = false;
    settledOnce = false;
    linkAfter = null; // from a notification mail's link: show (and highlight) the updates after it
    generation = 0;   // only the reply to the latest Subscribe call counts

    constructor(name, handlers) {
        this.name = name;
        this.stream = new SubjectStream(handlers);
    }

    push(entry) {
        this.feed.push(entry);
        if (this.feed.length > feedLimit) this.feed.shift();
    }
}

export class Subscriptions extends EventTarget {
    /** Presence of every subject, from the overview: name, lastSequence, lastUpdatedAt, emailCount, browsers, zmqSubscribers. */
    presence = new Map();
    selected = null;

    #hub;
    #connected = false;
    #subjects = new Map();
    #pinned = new Set(loadPinned());
    #modes = new Map(); // subject → { emailCount, counts, asking }: its registrations per mail mode, as last asked
    #seen = new Map(); // subjects whose updates this page reports as received, for the addresses it registered on them
    #addresses = new Map(); // subject → the addresses this page registered on it, spoken for again after a reconnection

    constructor(hub) {
        super();
        this.#hub = hub;
        hub.on('Update', update => this.#subjects.get(update.subject)?.stream.receive(update));
        hub.on('SubjectDeleted', name => this.#deleted(name));
    }

    get(name) {
        return this.#subjects.get(name);
    }

    isPinned(name) {
        return this.#pinned.has(name);
    }

    get pinned() {
        return [...this.#pinned];
    }

    /** After every (re)connection: the new connection is in no group yet, and speaks for no address yet. */
    connected() {
        this.#connected = true;
        for (const report of this.#seen.values()) clearTimeout(report.timer);
        this.#seen.clear();
        for (const [name, addresses] of this.#addresses) {
            this.#seen.set(name, { from: null, through: null, timer: null });
            for (const address of addresses) {
                this.#hub.invoke('ResumeSeen', name, address).catch(() => { /* gone: its updates are mailed */ });
            }
        }
        for (const name of this.#wanted()) this.#subscribe(this.#ensure(name));
    }

    disconnected() {
        this.#connected = false;
    }

    setPresence(list) {
        this.presence = new Map(list.map(subject => [subject.name, subject]));
        this.#emit('presence');
    }

    addPresence(subject) {
        this.presence.set(subject.name, subject);
        this.#emit('presence');
    }

    select(name, { after = null } = {}) {
        const previous = this.selected;
        if (this.#subjects.get(name)?.deleted) this.#subjects.delete(name); // created again since
        const subject = this.#ensure(name);
        if (after !== null && subject.stream.last === null) subject.linkAfter = after;
        subject.unread = 0;
        this.selected = name;
        if (!this.#modes.get(name)?.asking) this.#modes.delete(name); // a mode may have changed meanwhile
        this.#emit('selection', { name });
        if (previous !== null && previous !== name) this.#reconcile(previous);
        this.#reconcile(name);
    }

    /**
     * How many of the subject's registrations are mailed immediately, in digests or not at all; null until known.
     * Asked again when the count of registrations changed since, or when the subject is selected again.
     */
    modesOf(name) {
        const emailCount = this.presence.get(name)?.emailCount ?? 0;
        const known = this.#modes.get(name);
        const failedLately = known?.failedAt !== undefined && Date.now() - known.failedAt < modesRetryDelay;
        if (known && (known.asking || failedLately || (known.failedAt === undefined && known.emailCount === emailCount))) return known.counts;
        if (!this.#connected || emailCount === 0) return null;
        const entry = { emailCount, counts: known?.counts ?? null, asking: true };
        this.#modes.set(name, entry);
        this.#hub.invoke('CountMailModes', name).then(counts => {
            entry.counts = counts;
            entry.asking = false;
            this.#emit('presence');
        }, () => {
            // Busy, or refused: ask again a while later, not at the next redraw.
            entry.asking = false;
            entry.failedAt = Date.now();
        });
        return entry.counts;
    }

    setEmailCount(name, emailCount) {
        const known = this.presence.get(name);
        if (known) known.emailCount = emailCount;
        this.#emit('presence');
    }

    /**
     * From now on (call it before registering the address on the subject), tell the gateway which of the subject's
     * updates this page receives: it does not mail them to the addresses this page registered, and after a
     * reconnection the new connection speaks for them again. A page that is closed, or not subscribed to the subject,
     * reports nothing, and the mail goes.
     */
    reportSeen(name, address) {
        if (!this.#seen.has(name)) this.#seen.set(name, { from: null, through: null, timer: null });
        if (!this.#addresses.has(name)) this.#addresses.set(name, new Set());
        this.#addresses.get(name).add(address);
    }

    /** The address was removed from the subject: a reconnection no longer speaks for it. */
    forgetAddress(name, address) {
        this.#addresses.get(name)?.delete(address);
    }

    togglePin(name) {
        if (this.#pinned.has(name)) this.#pinned.delete(name);
        else this.#pinned.add(name);
        savePinned(this.#pinned);
        this.#emit('pins', { name });
        this.#reconcile(name);
    }

    #wanted() {
        return new Set([...this.#pinned, ...(this.selected === null ? [] : [this.selected])]);
    }

    #ensure(name) {
        let subject = this.#subjects.get(name);
        if (!subject) {
            subject = new Subject(name, {
                settled: outcome => this.#settled(subject, outcome),
                applied: update => this.#applied(subject, update),
                resubscribe: () => this.#subscribe(subject),
            });
            this.#subjects.set(name, subject);
        }
        return subject;
    }

    /** Subscribes or unsubscribes so that the hub's groups match what the page wants. */
    #reconcile(name) {
        const subject = this.#subjects.get(name);
        if (!subject || subject.deleted) return;
        const wanted = this.#wanted().has(name);
        if (wanted && !subject.stream.active && this.#connected) {
            this.#subscribe(subject);
        } else if (!wanted && subject.stream.active) {
            // Keep what was seen: opening it again catches up from there.
            subject.generation++;
            subject.stream.stop();
            const report = this.#seen.get(name);
            if (report) this.#sendSeen(name, report); // what it received up to now, before it stops receiving
            if (this.#connected) this.#hub.invoke('Unsubscribe', name).catch(() => { /* gone with the connection */ });
        }
    }

    async #subscribe(subject) {
        if (!this.#connected) return; // connected() subscribes everything wanted
        const { stream } = subject;
        const after = stream.last ?? subject.linkAfter ?? this.#recentPoint(subject.name);
        const generation = ++subject.generation;
        stream.subscribing();
        try {
            const reply = await this.#hub.invoke('Subscribe', subject.name, after);
            if (generation === subject.generation) stream.settle(reply);
        } catch (error) {
            if (generation !== subject.generation) return;
            const refusal = parseHubError(error);
            if (!refusal) return; // the connection dropped: connected() subscribes again
            stream.stop();
            subject.error = refusal.message;
            if (refusal.code === 'subject-not-found' && this.#pinned.delete(subject.name)) savePinned(this.#pinned);
            this.#emit('error', { name: subject.name, refusal });
        }
    }

    /** Where the feed of a subject opened afresh starts: a few updates back. */
    #recentPoint(name) {
        const known = this.presence.get(name);
        return known ? Math.max(0, known.lastSequence - recentUpdates) : null;
    }

    #settled(subject, { updates, gap, reply, known }) {
        const first = !subject.settledOnce;
        const link = subject.linkAfter;
        subject.settledOnce = true;
        subject.linkAfter = null;
        subject.error = null;
        this.#touchPresence(subject.name, reply);

        // Opening a subject shows its recent updates; only a catch-up (or a mail's link) can miss some.
        let shown = first && link === null ? updates.slice(-recentUpdates) : updates;
        if (gap && known !== null && reply.lastSequence < known) subject.feed = []; // deleted and created again
        if (gap && (!first || link !== null)) {
            const since = link ?? subject.feed.at(-1)?.update?.sequence ?? null;
            subject.notices.set('gap', 'Some older updates are not shown: the gateway replays only the newest ones. ' +
                'The whole content below is complete.');
            subject.push({ gap: true, since });
            if (shown.length > feedLimit) shown = shown.slice(-feedLimit);
        }
        for (const update of shown) subject.push({ update, highlight: link !== null });
        for (const update of updates) this.#noteSeen(subject.name, update.sequence);
        if (link !== null) {
            subject.notices.set('link', shown.length === 0
                ? `No updates after #${link} yet.`
                : `Highlighted: the ${shown.length === 1 ? 'update' : `${shown.length} updates`} after #${link}, from the link you followed.`);
        }
        if (!first && subject.name !== this.selected) subject.unread += shown.length;
        this.#emit('caught-up', { name: subject.name, updates: shown, gap });
    }

    #applied(subject, update) {
        subject.push({ update, highlight: false });
        this.#noteSeen(subject.name, update.sequence);
        if (subject.name !== this.selected) subject.unread++;
        this.#touchPresence(subject.name, { lastSequence: update.sequence, lastUpdatedAt: update.timestamp });
        this.#emit('update', { name: subject.name, update });
    }

    /** Gathers shown updates into runs of consecutive numbers, each sent once, a moment after it starts. */
    #noteSeen(name, sequence) {
        const report = this.#seen.get(name);
        if (!report) return;
        if (report.from !== null && sequence !== report.through + 1) this.#sendSeen(name, report);
        report.from ??= sequence;
        report.through = sequence;
        report.timer ??= setTimeout(() => this.#sendSeen(name, report), seenReportDelay);
    }

    #sendSeen(name, report) {
        clearTimeout(report.timer);
        report.timer = null;
        if (report.from !== null && this.#connected) {
            // Lost with the connection, it is mailed: nothing is missed, at worst read twice.
            this.#hub.invoke('Seen', name, report.from, report.through).catch(() => { /* see above */ });
        }
        report.from = null;
    }

    #touchPresence(name, { lastSequence, lastUpdatedAt, emailCount }) {
        const known = this.presence.get(name);
        if (!known || lastSequence < known.lastSequence) return;
        known.lastSequence = lastSequence;
        known.lastUpdatedAt = lastUpdatedAt;
        if (emailCount !== undefined) known.emailCount = emailCount;
    }

    #deleted(name) {
        clearTimeout(this.#seen.get(name)?.timer);
        this.#seen.delete(name);
        this.#addresses.delete(name);
        const subject = this.#subjects.get(name);
        if (subject) {
            subject.generation++;
            subject.stream.stop();
            subject.deleted = true;
            subject.notices.set('deleted', `Subject ${name} was deleted: it gets no more updates.`);
        }
        if (this.#pinned.delete(name)) savePinned(this.#pinned);
        this.presence.delete(name);
        this.#emit('deleted', { name });
    }

    #emit(type, detail = {}) {
        this.dispatchEvent(new CustomEvent(type, { detail }));
    }
}

// Subscriptions outlive a reload; storage may be unavailable (private modes), which only loses that comfort.
function loadPinned() {
    try {
        const names = JSON.parse(localStorage.getItem(storageKey) ?? '[]');
        return Array.isArray(names) ? names.filter(name => typeof name === 'string') : [];
    } catch {
        return [];
    }
}

function savePinned(pinned) {
    try {
        localStorage.setItem(storageKey, JSON.stringify([...pinned]));
    } catch {
        // See loadPinned.
    }
}
