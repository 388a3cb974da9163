// The hub refuses with "HubException: <code>[<field>]: <sentence>" inside the rejected invoke's message, so the
// page can show the sentence next to the field it concerns.

const pattern = /HubException: ([a-z-]+)(?:\[([A-Za-z]+)\])?: ([\s\S]*)$/;

/** { code, field, message } for a refusal by the gateway; null for anything else (e.g. the connection dropped). */
export function parseHubError(error) {
    const match = pattern.exec(error?.message ?? '');
    return match ? { code: match[1], field: match[2] ?? null, message: match[3].trim() } : null;
}

export const notSentMessage =
    'Not sent: the connection to the gateway is down. It reconnects by itself; try again once it says connected.';
