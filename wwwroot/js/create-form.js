// Creating a subject; the new one is selected at once so the person can post to it.
import { byId } from './dom.js';
import { clearErrors, showInvokeError, whileBusy } from './forms.js';

export function setUpCreateForm(connection, subscriptions) {
    const form = byId('create-form');
    const name = byId('create-name');
    const content = byId('create-content');
    const status = byId('create-status');

    form.addEventListener('submit', event => {
        event.preventDefault();
        whileBusy(form, async () => {
            clearErrors(form);
            status.textContent = '';
            try {
                const created = await connection.invoke('CreateSubject', name.value.trim(), content.value === '' ? null : content.value);
                subscriptions.addPresence(created);
                subscriptions.select(created.name);
                status.textContent = `Created ${created.name}.`;
                name.value = '';
                content.value = '';
            } catch (error) {
                showInvokeError(error, { name, subject: name, content }, name);
            }
        });
    });
}
