// The operations panel: who listens (browsers, ZeroMQ subscribers, event streams), how busy the gateway is, on which
// instances, and the email outbox. The overview is pushed by the hub, summed over every live instance; the outbox has
// no push, so it is fetched every 5 s.
import { byId, h, plural } from './dom.js';
import { rateChart } from './chart.js';
import { keyHeaders } from './api-key.js';

const outboxFields = ['awaitingExpansion', 'digestsWaiting', 'pending', 'retrying', 'sent', 'parked'];
const outboxEveryMilliseconds = 5000;

export class Operations {
    #chart = byId('rate-chart');
    #caption = byId('rate-caption');
    #rows = byId('listener-rows');
    #instances = byId('instance-list');
    #sources = byId('source-rows');
    #loadOutbox = () => {};

    show(overview) {
        byId('total-browsers').textContent = String(overview.browsers);
        byId('total-zmq').textContent = String(overview.zmqSubscribers);
        byId('total-streams').textContent = String(overview.eventStreams ?? 0); // an older instance behind the same balancer sends none
        byId('total-rate').textContent = String(overview.updatesPerMinute.at(-1) ?? 0);

        this.#chart.replaceChildren(rateChart(overview.updatesPerMinute, overview.stepSeconds));
        const minutes = Math.round(((overview.updatesPerMinute.length - 1) * overview.stepSeconds) / 60);
        this.#caption.textContent = `Updates per minute, one bar every ${overview.stepSeconds} s, over the last ${minutes} minutes; the newest on the right.`;

        // Subjects with listeners first; the quiet ones fold into one line so a thousand subjects stay readable.
        const listeners = subject => subject.browsers + subject.zmqSubscribers + (subject.eventStreams ?? 0);
        const listened = overview.subjects
            .filter(subject => listeners(subject) > 0)
            .sort((a, b) => listeners(b) - listeners(a) || a.name.localeCompare(b.name));
        const quiet = overview.subjects.length - listened.length;
        this.#rows.replaceChildren(
            ...listened.map(subject => h('tr', { dataset: { subject: subject.name } },
                h('th', { scope: 'row' }, subject.name),
                h('td', { 'data-count': 'browsers' }, String(subject.browsers)),
                h('td', { 'data-count': 'zmq' }, String(subject.zmqSubscribers)),
                h('td', { 'data-count': 'streams' }, String(subject.eventStreams ?? 0)))),
            quiet > 0 ? h('tr', { class: 'quiet' }, h('td', { colspan: 4 }, `${plural(quiet, 'subject')} without listeners`)) : null);

        this.#instances.replaceChildren(...(overview.instances ?? []).map(instance =>
            h('li', { dataset: { instance: instance.name }, class: instance.isThis ? 'this' : null, title: `Started ${new Date(instance.startedAt).toLocaleString()}` },
                h('strong', {}, instance.name), instance.isThis ? h('span', { class: 'muted' }, ' (this page)') : null,
                h('span', { class: 'counts' },
                    h('span', { 'data-count': 'browsers' }, plural(instance.browsers, 'browser')), ' · ',
                    h('span', { 'data-count': 'zmq' }, `${instance.zmqSubscribers} ZeroMQ`), ' · ',
                    h('span', { 'data-count': 'streams' }, plural(instance.eventStreams, 'stream')), ' · ',
                    h('span', { 'data-count': 'rate' }, `${instance.updatesLastMinute} updates/min`)))));

        this.#showSources(overview.instances ?? []);
    }

    /** Every instance's ingest sources; the table shows once there is one. */
    #showSources(instances) {
        const several = instances.length > 1;
        const rows = instances.flatMap(instance => (instance.sources ?? []).map(source => {
            const down = source.kind === 'sub' && source.peers === 0;
            const last = source.lastMessageAt ? `last message ${new Date(source.lastMessageAt).toLocaleString()}` : 'no message yet';
            return h('tr', { dataset: { source: source.name, instance: instance.name }, class: down ? 'warn' : null },
                h('th', { scope: 'row', title: `${source.kind} ${source.endpoints}; ${last}` }, several ? `${source.name} (${instance.name})` : source.name),
                h('td', { 'data-field': 'state' }, down ? 'no publisher' : source.state),
                h('td', { 'data-field': 'peers' }, String(source.peers)),
                h('td', { 'data-field': 'stored' }, String(source.storedLastMinute)),
                h('td', { 'data-field': 'dropped' }, String(source.droppedLastMinute)));
        }));
        this.#sources.replaceChildren(...rows);
        byId('ingest').hidden = rows.length === 0;
    }

    /** Polls GET /api/email/outbox while the page is visible. */
    watchOutbox() {
        const status = byId('outbox-status');
        const load = async () => {
            if (document.hidden) return;
            try {
                const response = await fetch('/api/email/outbox', { headers: { Accept: 'application/json', ...keyHeaders() } });
                if (response.status === 401 || response.status === 403) {
                    status.textContent = 'Reading the outbox needs an admin API key (see “API key” at the top).';
                    status.dataset.state = 'needs-key';
                    return;
                }
                if (!response.ok) throw new Error(`HTTP ${response.status}`);
                const outbox = await response.json();
                for (const field of outboxFields) byId(`outbox-${field}`).textContent = String(outbox[field]);
                status.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
                status.dataset.state = 'loaded';
            } catch {
                status.textContent = 'The outbox could not be read just now; trying again in 5 s.';
                status.dataset.state = 'failed';
            }
        };
        this.#loadOutbox = load;
        load();
        setInterval(load, outboxEveryMilliseconds);
        document.addEventListener('visibilitychange', load);
    }

    /** Reads the outbox now (after the API key changed). */
    refreshOutbox() {
        this.#loadOutbox();
    }
}
