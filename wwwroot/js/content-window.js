// The gateway's content window (Subjects:MaxContentBytes), applied to live updates the same way: append the text on a
// line of its own, then drop whole lines from the front until the UTF-8 bytes fit; a last line larger than the
// window alone keeps its newest bytes, cut on a character boundary.

const encoder = new TextEncoder();
const utf8Length = text => encoder.encode(text).length;

export function appendWithin(content, text, maxBytes) {
    const appended = content + '\n' + text;
    return maxBytes ? trimToWindow(appended, maxBytes) : appended;
}

export function trimToWindow(content, maxBytes) {
    let bytes = utf8Length(content);
    let start = 0;
    while (bytes > maxBytes) {
        const newline = content.indexOf('\n', start);
        if (newline < 0) return newestBytes(content.slice(start), maxBytes);
        bytes -= utf8Length(content.slice(start, newline + 1));
        start = newline + 1;
    }
    return content.slice(start);
}

function newestBytes(line, maxBytes) {
    const characters = Array.from(line);
    let bytes = 0;
    let start = characters.length;
    while (start > 0) {
        const size = utf8Length(characters[start - 1]);
        if (bytes + size > maxBytes) break;
        bytes += size;
        start--;
    }
    return characters.slice(start).join('');
}
