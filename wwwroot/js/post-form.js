// Posting an update to the selected subject. The feed shows it when it comes back through the hub, like
// everyone else's, so the page never shows an update twice.
import { byId } from './dom.js';
import { clearErrors, showInvokeError, whileBusy } from './forms.js';

export function setUpPostForm(connection, subscriptions) {
    const form = byId('post-form');
    const text = byId('post-text');

    text.addEventListener('keydown', event => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            form.requestSubmit();
        }
    });
    subscriptions.addEventListener('selection', () => clearErrors(form));

    form.addEventListener('submit', event => {
        event.preventDefault();
        const subject = subscriptions.selected;
        if (subject === null) return;
        whileBusy(form, async () => {
            clearErrors(form);
            try {
                await connection.invoke('PostUpdate', subject, text.value);
                text.value = '';
            } catch (error) {
                showInvokeError(error, { text, subject: text }, text);
            }
        });
    });
}
