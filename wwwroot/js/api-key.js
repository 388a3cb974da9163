// The API key a person enters to post, create subjects or read the outbox. Reading needs none. It stays in this
// tab's session storage only: closing the tab forgets it, and no other site can read it.
import { byId } from './dom.js';

const storageKey = 'messagequeue.apiKey';

export function apiKey() {
    return sessionStorage.getItem(storageKey) ?? '';
}

/** Headers for fetch: X-Api-Key when a key is set. */
export function keyHeaders() {
    const key = apiKey();
    return key ? { 'X-Api-Key': key } : {};
}

/** Wires the key form; onChange runs after the key is set or forgotten (the hub connection restarts with it). */
export function setUpKeyForm(onChange) {
    const form = byId('key-form');
    const input = byId('key-input');
    const status = byId('key-status');
    const show = () => {
        status.textContent = apiKey() ? 'A key is set for this tab.' : 'No key: you can read and subscribe.';
        byId('key-summary').textContent = apiKey() ? 'API key: set' : 'API key';
    };
    form.addEventListener('submit', event => {
        event.preventDefault();
        const key = input.value.trim();
        if (key) sessionStorage.setItem(storageKey, key);
        input.value = '';
        show();
        onChange();
    });
    byId('key-forget').addEventListener('click', () => {
        sessionStorage.removeItem(storageKey);
        show();
        onChange();
    });
    show();
}
