import { Marked, type Tokens } from 'marked';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** One Markdown renderer, built once: raw HTML in the input is shown as text, and only http(s) links survive. */
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
  },
  walkTokens(token) {
    if ((token.type === 'link' || token.type === 'image') && !/^https?:\/\//i.test((token as Tokens.Link).href)) {
      (token as Tokens.Link).href = '#';
    }
  },
});

/** Card detail (CDS Hooks GitHub-flavoured Markdown) as HTML that is safe to put into the page. */
export function renderMarkdown(text: string): string {
  return markdown.parse(text, { async: false });
}
