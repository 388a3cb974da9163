// Wires the dashboard together: one hub connection, the subscriptions it carries, and the views.
import { createConnection, keepConnected } from './connection.js';
import { Subscriptions } from './subscriptions.js';
import { SubjectList } from './subject-list.js';
import { SubjectView } from './subject-view.js';
import { Operations } from './operations.js';
import { setUpPostForm } from './post-form.js';
import { setUpEmailForm } from './email-form.js';
import { setUpCreateForm } from './create-form.js';
import { byId } from './dom.js';
import { setUpKeyForm } from './api-key.js';
import { refreshRelativeTimes } from './time.js';

const stateLabels = {
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Reconnecting…',
    offline: 'Offline, retrying…',
    refused: 'API key refused',
};

const connection = createConnection();
const subscriptions = new Subscriptions(connection);
const operations = new Operations();
new SubjectList(byId('subject-list'), byId('subject-list-empty'), subscriptions, select);
new SubjectView(subscriptions);
setUpPostForm(connection, subscriptions);
setUpEmailForm(connection, subscriptions);
setUpCreateForm(connection, subscriptions);

connection.on('Overview', overview => showOverview(overview));

keepConnected(connection, {
    onState(state) {
        const element = byId('connection-state');
        element.dataset.state = state;
        element.textContent = stateLabels[state];
        if (state !== 'connected') subscriptions.disconnected();
    },
    async onConnected() {
        // The first time, the overview comes first: opening a subject uses its lastSequence to show recent updates.
        // After a reconnection the subscriptions go first, so the overview the hub answers already counts this page.
        const first = subscriptions.presence.size === 0;
        if (!first) subscriptions.connected();
        try {
            showOverview(await connection.invoke('WatchOverview'));
        } catch {
            // The connection dropped again; the next onConnected asks again.
        }
        if (first) subscriptions.connected();
    },
});

// A notification mail links to /?subject=S&after=N: open S and show (highlighted) what came after N.
const query = new URLSearchParams(location.search);
const linked = query.get('subject');
if (linked) {
    const after = /^\d+$/.test(query.get('after') ?? '') ? Number(query.get('after')) : null;
    subscriptions.select(linked, { after });
}

// Keep the page title's unread count and the URL in step with what the person looks at.
for (const type of ['update', 'caught-up', 'selection', 'pins']) {
    subscriptions.addEventListener(type, () => {
        const unread = subscriptions.pinned.reduce((sum, name) => sum + (subscriptions.get(name)?.unread ?? 0), 0);
        document.title = `${unread > 0 ? `(${unread}) ` : ''}MessageQueue dashboard`;
    });
}
subscriptions.addEventListener('selection', ({ detail }) => {
    history.replaceState(null, '', `?subject=${encodeURIComponent(detail.name)}`);
});

setInterval(() => refreshRelativeTimes(), 10_000);

function select(name) {
    subscriptions.select(name);
    // In the one-column layout the subject is below the list: bring it into view (focus stays on the list).
    if (!window.matchMedia('(min-width: 48rem)').matches) byId('subject-view').scrollIntoView({ block: 'start' });
}

function showOverview(overview) {
    subscriptions.setPresence(overview.subjects);
    operations.show(overview);
}

operations.watchOutbox();

// A new key takes effect on a new connection: stopping this one makes keepConnected start again with it.
setUpKeyForm(() => {
    connection.stop();
    operations.refreshOutbox();
});
