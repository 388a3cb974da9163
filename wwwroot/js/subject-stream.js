// One subject's updates, each applied exactly once and in sequence order. The gateway resumes every client the same
// way (SubjectResume): a Subscribe reply holds the updates after the position passed, up to its lastSequence, and live
// updates carry on above it. What stays here is what only a client can do: remember the last sequence applied and pass
// it when subscribing again; hold the live updates that overtake the reply (the hub joins the subject's group before it
// reads, so they can), then apply only those above lastSequence; and, defensively, ignore a duplicate, and ask for a
// catch-up from the last applied one when a live update skips a number instead of showing a hole.
// Kept free of the DOM and of SignalR so its rules can be exercised on their own.

import { appendWithin } from './content-window.js';

export class SubjectStream {
    /** Content as of `last`, within the gateway's content window. */
    content = '';
    /** The gateway's content window in UTF-8 bytes, from the Subscribe reply. */
    maxContentBytes = 0;
    /** Sequence number of the last update applied; null until the first Subscribe reply. */
    last = null;
    /** True between a Subscribe call and its reply, and while a catch-up is on its way. */
    pending = false;
    /** True while this page wants the subject's updates. */
    active = false;
    /** Which subject of this name the updates belong to (one deleted and created again gets a new id). */
    subjectId = null;

    #buffer = [];
    #handlers;

    /**
     * @param handlers.settled({ updates, gap, reply, known }) after a Subscribe reply: the updates it caught up, oldest
     *   first; known is the last sequence applied before it.
     * @param handlers.applied(update) for each live update applied.
     * @param handlers.resubscribe(afterSequence) when a live update skipped a number.
     */
    constructor(handlers) {
        this.#handlers = handlers;
    }

    /** Marks a Subscribe as sent; live updates wait for its reply. */
    subscribing() {
        this.active = true;
        this.pending = true;
    }

    stop() {
        this.active = false;
        this.pending = false;
        this.#buffer = [];
    }

    /** A live Update event. */
    receive(update) {
        if (!this.active) return;
        if (this.pending) this.#buffer.push(update);
        else this.#applyLive(update);
    }

    /** The Subscribe reply: its content and lastSequence are the truth; updates above the last applied are new.
     * A reply about another subject of the same name (deleted and created again) is a gap whatever it says. */
    settle(reply) {
        const known = this.last;
        const replaced = this.subjectId !== null && reply.subjectId !== this.subjectId;
        const gap = reply.gap || replaced;
        const fresh = gap || known === null ? reply.updates : reply.updates.filter(u => u.sequence > known);
        this.subjectId = reply.subjectId;
        this.content = reply.content;
        this.maxContentBytes = reply.maxContentBytes;
        this.last = reply.lastSequence;
        this.pending = false;
        this.#handlers.settled({ updates: fresh, gap, reply, known });

        const waiting = this.#buffer.sort((a, b) => a.sequence - b.sequence);
        this.#buffer = [];
        for (const update of waiting) {
            if (this.pending) this.#buffer.push(update); // a gap among them asked for another catch-up
            else this.#applyLive(update);
        }
    }

    #applyLive(update) {
        if (update.sequence <= this.last) return; // already in a reply, or seen before a reconnect
        if (update.sequence > this.last + 1) {
            this.#buffer.push(update);
            this.pending = true;
            this.#handlers.resubscribe(this.last);
            return;
        }
        this.last = update.sequence;
        // The legacy rule: every update adds its text on a line of its own, even to empty content (within the window).
        this.content = appendWithin(this.content, update.text, this.maxContentBytes);
        this.#handlers.applied(update);
    }
}
