/** Checks on card text a clinician reads: rendered links (GFM, as an EHR renders `detail`) and the reference allow-list. */
import { Marked, type Token, type Tokens } from 'marked';
import { CITATIONS } from '../../src/knowledge/citations.js';

/** Hosts a clinician can trust as a reference: DOI resolver, PubMed / PMC, publishers, guideline and standards bodies. */
export const REFERENCE_HOSTS = new Set(['doi.org', 'pubmed.ncbi.nlm.nih.gov', 'pmc.ncbi.nlm.nih.gov', 'www.wjgnet.com', 'cco.amegroups.com', 'hl7.org', 'transfusionontario.org']);

const marked = new Marked({ gfm: true, async: false });

/** Every link or image a GFM renderer makes of the text (bare URLs and www. autolinks included), and any raw HTML. */
export function renderedLinks(markdown: string): { links: string[]; images: string[]; html: string[] } {
  const found = { links: [] as string[], images: [] as string[], html: [] as string[] };
  marked.walkTokens(marked.lexer(markdown), (token: Token) => {
    if (token.type === 'link') found.links.push((token as Tokens.Link).href);
    if (token.type === 'image') found.images.push((token as Tokens.Image).href);
    if (token.type === 'html') found.html.push((token as Tokens.HTML).raw);
  });
  return found;
}

export function urlProblems(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [`${url}: not a URL`];
  }
  const problems: string[] = [];
  if (parsed.protocol !== 'https:') problems.push(`${url}: not https`);
  if (!REFERENCE_HOSTS.has(parsed.hostname)) problems.push(`${url}: host ${parsed.hostname} is not a reference host`);
  return problems;
}

const CITATION_URLS = new Set(Object.values(CITATIONS).flatMap((c) => (c.url ? [c.url] : [])));

/** What a clinician should not see in a card, with the reason. */
export function cardTextProblems(card: Record<string, any>): string[] {
  const problems: string[] = [];
  const texts = [card.summary, card.detail ?? '', card.source?.label, card.source?.topic?.display ?? '', ...(card.links ?? []).map((l: { label: string }) => l.label),
    ...(card.suggestions ?? []).flatMap((s: any) => [s.label, ...(s.actions ?? []).map((a: any) => a.description)])];
  const id = card.source?.topic?.code;
  for (const text of texts as string[]) {
    if (/\{[^}]*\}/.test(text)) problems.push(`${id}: raw UCUM annotation in "${text.slice(0, 120)}"`);
    if (/10\*/.test(text)) problems.push(`${id}: raw UCUM power of ten in "${text.slice(0, 120)}"`);
    if (/\bseed\b/i.test(text)) problems.push(`${id}: the word "seed" in "${text.slice(0, 120)}"`);
    if (/hcc-cds design choice|to be signed off/i.test(text)) problems.push(`${id}: internal wording in "${text.slice(0, 120)}"`);
    if (text.includes('\\|')) problems.push(`${id}: a visible \\| in "${text.slice(0, 120)}"`);
    if (/https?:\/\/[^/]*\|/.test(text) || /[a-z]+:\/\/\S*\|\S+/.test(text)) problems.push(`${id}: a raw system|code in "${text.slice(0, 120)}"`);
  }
  const urls = [...(card.links ?? []).map((l: { url: string }) => l.url), ...(card.source?.url ? [card.source.url] : [])];
  const rendered = renderedLinks(card.detail ?? '');
  for (const url of [...urls, ...rendered.links, ...rendered.images]) problems.push(...urlProblems(url).map((p) => `${id}: ${p}`));
  for (const href of rendered.links) if (!CITATION_URLS.has(href)) problems.push(`${id}: detail link ${href} is not a citation link`);
  for (const src of rendered.images) problems.push(`${id}: detail image ${src}`);
  for (const html of rendered.html) problems.push(`${id}: raw HTML ${html}`);
  return problems;
}
