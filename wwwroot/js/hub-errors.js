// The hub refuses with "HubException: <code>[<field>]: <sentence>" inside the rejected invoke's message, so the
// page can show the sentence next to the field it concerns.

const pattern = /HubException: ([a-z-]+)(?:\[([A-Za-z]+)\])?: ([\s\S]*)$/;

// The hub's sentences for a missing or weak key speak to programs; the page says where to enter one.
const keyHelp = {
    unauthorized: 'This needs an API key: enter one under “API key” at the top of the page.',
    forbidden: 'The API key in use does not have the role this needs (see “API key” at the top of the page).',
};

/** { code, field, message } for a refusal by the gateway; null for anything else (e.g. the connection dropped). */
export function parseHubError(error) {
    const match = pattern.exec(error?.message ?? '');
    return match ? { code: match[1], field: match[2] ?? null, message: keyHelp[match[1]] ?? match[3].trim() } : null;
}

export const notSentMessage =
    'Not sent: the connection to the gateway is down. It reconnects by itself; try again once it says connected.';
