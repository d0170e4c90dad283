import { Marked } from 'marked';
import { citationLink, markdownLine, markdownText } from '../../src/knowledge/markdown-text.js';
import { renderedLinks } from '../helpers/card-text.js';

const marked = new Marked({ gfm: true, async: false });
const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
/** What a reader sees once the Markdown is rendered. */
const visible = (md: string): string => (marked.parse(md, { async: false }) as string).replace(/<[^>]+>/g, '').replace(/&(lt|gt|quot|#39|amp);/g, (e) => ENTITIES[e]!).trim();

const HOSTILE = [
  '[Sign in](https://phish.example/login)',
  '[x](javascript:alert(1))',
  '![](https://track.example/p.png)',
  '<img src=x onerror=alert(1)>',
  '<https://phish.example>',
  'https://phish.example/bare and http://www.ama-assn.org/go/cpt|37243',
  'www.phish.example and phish.example/login',
  'mail@phish.example',
  '**bold** _em_ ~~del~~ `code` \\escaped',
  '# heading', '> quote', '- item', '1. item', '=== rule', '&lt;b&gt; &#x6A;',
  '| a | b |',
];

describe('markdownText', () => {
  it.each(HOSTILE)('renders %s as the very text, with no link, image or HTML', (text) => {
    const md = `- ${markdownLine(text)}`;
    expect(renderedLinks(md)).toEqual({ links: [], images: [], html: [] });
    expect(visible(md)).toBe(text);
  });

  it('keeps text inside a table cell as one cell', () => {
    const md = `| Item | Value |\n|---|---|\n| ${markdownText('a | b')} | ${markdownText('2.4')} |`;
    expect(marked.parse(md, { async: false })).toContain('<td>a | b</td>');
  });

  it('leaves ordinary clinical text readable in the raw detail', () => {
    expect(markdownText('Total bilirubin 3.4 mg/dL on 2026-03-14 (1 d ago)')).toBe('Total bilirubin 3.4 mg/dL on 2026-03-14 (1 d ago)');
    expect(markdownText('> 3.0 mg/dL; <1.7 = 1, < 60 ×10⁹/L')).toBe('> 3.0 mg/dL; <1.7 = 1, < 60 ×10⁹/L');
  });

  it('makes citation links only for https URLs', () => {
    expect(citationLink('CIRSE 2021', 'https://doi.org/10.1007/s00270-021-02968-1')).toBe('[CIRSE 2021](https://doi.org/10.1007/s00270-021-02968-1)');
    expect(citationLink('Old', 'http://example.org/x')).toBe('Old');
    expect(citationLink('Bad', 'javascript:alert(1)')).toBe('Bad');
  });
});
