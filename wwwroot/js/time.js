// Relative times read faster than timestamps; the exact time stays in the <time> element's title and datetime.
import { h } from './dom.js';

const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function relativeTime(iso, now = Date.now()) {
    const time = Date.parse(iso);
    if (Number.isNaN(time)) return 'never'; // a subject without updates has no time
    // A little clock skew between gateway and browser must not read as "in 2 s".
    const seconds = Math.max(0, Math.round((now - time) / 1000));
    if (seconds < 10) return 'just now';
    if (seconds < 60) return `${seconds} s ago`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ago`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return `${hours} h ago`;
    const days = Math.floor(hours / 24);
    if (days < 30) return days === 1 ? 'yesterday' : `${days} days ago`;
    return dateOnly.format(new Date(iso));
}

/** A <time> that refreshRelativeTimes keeps current. */
export function timeElement(iso) {
    const element = h('time', { 'data-relative': true });
    setTime(element, iso);
    return element;
}

export function setTime(element, iso) {
    element.dateTime = iso;
    element.title = Number.isNaN(Date.parse(iso)) ? '' : exact.format(new Date(iso));
    element.textContent = relativeTime(iso);
}

export function refreshRelativeTimes(root = document) {
    for (const element of root.querySelectorAll('time[data-relative]')) {
        if (element.dateTime) element.textContent = relativeTime(element.dateTime); // none yet: nothing to refresh
    }
}
