// A small element builder: views stay readable without a framework, and data always goes in as text or
// attributes, never as HTML, so a subject name or an update cannot inject markup.

export function h(tag, attributes = {}, ...children) {
    return build(document.createElement(tag), attributes, children);
}

/** The same for SVG, whose elements live in their own namespace. */
export function s(tag, attributes = {}, ...children) {
    return build(document.createElementNS('http://www.w3.org/2000/svg', tag), attributes, children);
}

export function byId(id) {
    const element = document.getElementById(id);
    if (!element) throw new Error(`The page has no #${id}.`);
    return element;
}

/** "1 email", "2 emails": counts read as words. */
export function plural(count, one, many = `${one}s`) {
    return `${count} ${count === 1 ? one : many}`;
}

function build(element, attributes, children) {
    for (const [name, value] of Object.entries(attributes)) {
        if (value === false || value === null || value === undefined) continue;
        if (name === 'class') element.setAttribute('class', value);
        else if (name === 'dataset') Object.assign(element.dataset, value);
        else element.setAttribute(name, value === true ? '' : String(value));
    }
    element.append(...children.flat().filter(child => child !== null && child !== undefined && child !== false));
    return element;
}
