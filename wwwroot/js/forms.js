// Validation messages sit next to the field they concern: each input names its message element in
// aria-describedby, and aria-invalid marks it, so screen readers announce both.
import { parseHubError, notSentMessage } from './hub-errors.js';

export function showFieldError(input, message) {
    const target = errorElementOf(input);
    input.setAttribute('aria-invalid', 'true');
    target.textContent = message;
}

export function clearErrors(form) {
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    for (const message of form.querySelectorAll('.field-error')) message.textContent = '';
}

/**
 * Shows a failed invoke: a refusal next to the field it names (fields maps the hub's field names to inputs),
 * anything else next to the fallback input. Returns the refusal, if it was one.
 */
export function showInvokeError(error, fields, fallback) {
    const refusal = parseHubError(error);
    const input = (refusal?.field && fields[refusal.field]) || fallback;
    showFieldError(input, refusal ? refusal.message : notSentMessage);
    input.focus();
    return refusal;
}

/** Keeps a form from being sent twice while its first invoke is on its way. */
export async function whileBusy(form, action) {
    if (form.getAttribute('aria-busy') === 'true') return;
    form.setAttribute('aria-busy', 'true');
    try {
        await action();
    } finally {
        form.removeAttribute('aria-busy');
    }
}

function errorElementOf(input) {
    const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/);
    const id = ids.find(candidate => candidate.endsWith('-error'));
    const element = id && document.getElementById(id);
    if (!element) throw new Error(`#${input.id} names no error message element.`);
    return element;
}
