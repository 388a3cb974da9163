// Registering and removing an email address on the selected subject. A new address gets a confirmation mail
// first, and no updates until it follows the link: the page says so, or people wait for mails that never come.
import { byId } from './dom.js';
import { clearErrors, showInvokeError, whileBusy } from './forms.js';

export function setUpEmailForm(connection, subscriptions) {
    const form = byId('email-form');
    const email = byId('email-address');
    const status = byId('email-status');

    subscriptions.addEventListener('selection', () => {
        clearErrors(form);
        status.textContent = '';
    });

    form.addEventListener('submit', event => {
        event.preventDefault();
        const subject = subscriptions.selected;
        const remove = event.submitter?.value === 'remove';
        if (subject === null) return;
        whileBusy(form, async () => {
            clearErrors(form);
            status.textContent = '';
            const address = email.value.trim();
            try {
                if (remove) {
                    await connection.invoke('UnregisterEmail', subject, address);
                    subscriptions.forgetAddress(subject, address);
                    status.textContent = `${address} no longer gets the updates of ${subject}.`;
                } else {
                    // Before the call: updates that arrive while it runs are shown too, and not to be mailed.
                    subscriptions.reportSeen(subject, address);
                    const registration = await connection.invoke('RegisterEmail', subject, address);
                    subscriptions.setEmailCount(subject, registration.emailCount);
                    status.textContent = registration.confirmed
                        ? `${registration.email} gets the updates of ${subject} by mail, except those this page shows while it stays open.`
                        : `${registration.email} is registered. We sent it a confirmation mail: updates are mailed only ` +
                          'after the link in it is followed.';
                }
                email.value = '';
            } catch (error) {
                showInvokeError(error, { email, subject: email }, email);
            }
        });
    });
}
