// One SignalR connection to /hubs/subjects that never gives up: withAutomaticReconnect retries forever with a
// capped delay, and if the connection closes anyway (the gateway shut down and asked clients not to reconnect,
// or the first start failed) a start loop takes over. Every (re)connection is a fresh hub connection, not
// a member of any group, so onConnected re-subscribes and re-watches.
/* global signalR */
import { apiKey } from './api-key.js';

const firstDelays = [0, 1000, 2000];
const maxDelay = 5000;

/** Milliseconds before retry number `attempt` (0-based): quick at first, then capped, with jitter so that
 * browsers cut off together do not all come back in the same instant. */
export function retryDelay(attempt) {
    const base = attempt < firstDelays.length ? firstDelays[attempt] : maxDelay;
    return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function createConnection() {
    return new signalR.HubConnectionBuilder()
        .withUrl('/hubs/subjects', { accessTokenFactory: apiKey })
        .withAutomaticReconnect({ nextRetryDelayInMilliseconds: context => retryDelay(context.previousRetryCount) })
        .configureLogging(signalR.LogLevel.Warning)
        .build();
}

/**
 * Starts the connection and keeps it connected. onState gets 'connecting' | 'connected' | 'reconnecting' |
 * 'offline' | 'refused' (the API key was refused); onConnected runs after each successful (re)connection.
 */
export function keepConnected(connection, { onState, onConnected }) {
    let starting = false;
    const connected = () => {
        onState('connected');
        onConnected();
    };

    async function startUntilConnected() {
        if (starting) return;
        starting = true;
        try {
            for (let attempt = 0; ; attempt++) {
                try {
                    await connection.start();
                    connected();
                    return;
                } catch (error) {
                    // The negotiation's 401 only shows in the message: the key is wrong, and retrying keeps trying
                    // it until the person changes it (which restarts the connection).
                    onState(/\b401\b/.test(String(error?.message)) ? 'refused' : 'offline');
                    await new Promise(resume => setTimeout(resume, retryDelay(attempt)));
                }
            }
        } finally {
            starting = false;
        }
    }

    connection.onreconnecting(() => onState('reconnecting'));
    connection.onreconnected(connected);
    connection.onclose(() => {
        onState('offline');
        startUntilConnected();
    });

    onState('connecting');
    startUntilConnected();
}
