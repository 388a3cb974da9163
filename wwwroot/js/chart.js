// The updates-per-minute chart: one bar per point of the overview's series, drawn as inline SVG (no library,
// nothing to load). Bars scale to the highest point; each has a tooltip with its value.
import { s } from './dom.js';

const width = 300;
const height = 80;

export function rateChart(series, stepSeconds) {
    const highest = Math.max(1, ...series);
    const slot = width / Math.max(1, series.length);
    const bars = series.map((value, index) => {
        const barHeight = value === 0 ? 0 : Math.max(1.5, (value / highest) * (height - 4));
        const secondsAgo = (series.length - 1 - index) * stepSeconds;
        return s('rect', {
            class: 'bar',
            x: (index * slot + 0.5).toFixed(1),
            y: (height - barHeight).toFixed(1),
            width: Math.max(1, slot - 1.5).toFixed(1),
            height: barHeight.toFixed(1),
        }, s('title', {}, `${value} per minute, ${secondsAgo === 0 ? 'now' : `${secondsAgo} s ago`}`));
    });
    const latest = series.at(-1) ?? 0;
    const minutes = Math.round(((series.length - 1) * stepSeconds) / 60);
    return s('svg', {
        class: 'rate-chart',
        viewBox: `0 0 ${width} ${height}`,
        preserveAspectRatio: 'none',
        role: 'img',
        'aria-label': `Updates per minute over the last ${minutes} minutes: ${latest} now, at most ${Math.max(0, ...series)}.`,
    },
    s('line', { class: 'baseline', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
    ...bars);
}
