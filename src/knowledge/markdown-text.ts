/**
 * Text for card `detail` (GitHub-flavoured Markdown). Everything a card says is escaped here, data and the service's
 * own sentences alike, so a unit code, id, display or order text from a request shows as typed and can never become
 * a link, an image, HTML, emphasis or a table cell. The only Markdown in a detail is the renderer's own layout and
 * the citation links (`citationLink`).
 */

/** Inline syntax characters: code spans, emphasis, strikethrough, links and images, entities, table cells. */
const INLINE_SYNTAX = /[\\`*_~[\]&|!]/g;
/** `<` only where it could open HTML or an autolink (`<b>`, `</`, `<!--`, `<?`, `<https:`); `< 60` stays as written. */
const TAG_OPEN = /<(?=[A-Za-z/!?])/g;
/** Autolink triggers of GFM and common linkifiers: a scheme (`http:`, `javascript:`, `mailto:`), an e-mail, a domain. */
const SCHEME_COLON = /(?<=[A-Za-z]):(?=\S)/g;
const AT_SIGN = /@/g;
const DOMAIN_DOT = /(?<=[A-Za-z0-9])\.(?=[A-Za-z])/g;
/** Block syntax at the start of a line's text: heading, quote, list, rule, setext underline. */
const LEADING_MARKER = /^[#>+=-]/;
const LEADING_ORDERED = /^(\d+)([.)])(?=\s|$)/;

/** Text safe anywhere inside a line or a table cell. */
export function markdownText(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(INLINE_SYNTAX, '\\$&')
    .replace(TAG_OPEN, '\\<')
    .replace(SCHEME_COLON, '\\:')
    .replace(AT_SIGN, '\\@')
    .replace(DOMAIN_DOT, '\\.');
}

/** Text that starts a line or a list item, where `# `, `> `, `- ` or `1. ` would begin a block. */
export function markdownLine(text: string): string {
  return markdownText(text.trimStart()).replace(LEADING_MARKER, '\\$&').replace(LEADING_ORDERED, '$1\\$2');
}

/** A Markdown link the service itself makes (citations): label escaped, https URL only. */
export function citationLink(label: string, url: string): string {
  if (!/^https:\/\/[^\s()<>]+$/.test(url)) return markdownText(label);
  return `[${markdownText(label)}](${url})`;
}
