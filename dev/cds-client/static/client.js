// A minimal CDS Hooks 2.0 client for development (our own, not the CDS Hooks Sandbox): reads the same URL parameters
// as the Sandbox (fhirServiceUrl, patientId, serviceDiscoveryURL, hook), reads the patient from the FHIR server,
// calls discovery and every service of the hook with `fhirServer` (no prefetch: the service fetches what it needs),
// renders the cards and sends accept / override feedback. When the page's server offers client-key.json, every CDS
// call carries an ES384 JWT signed in the browser (WebCrypto), as an EHR's would; otherwise none.
// Everything from a service is shown with textContent, except card detail: Markdown with raw HTML escaped.
import { Marked } from './vendor/marked.esm.js';
import { $, el } from './dom.js';

const params = new URLSearchParams(location.search);
const fhirServer = (params.get('fhirServiceUrl') ?? '').replace(/\/+$/, '');
const patientId = params.get('patientId') ?? '';
const discoveryUrl = params.get('serviceDiscoveryURL') ?? '';
const hook = params.get('hook') ?? 'patient-view';
const userId = params.get('userId') ?? 'Practitioner/example';
const RANK = { critical: 0, warning: 1, info: 2 };

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: { html: (token) => escapeHtml(token.text) },
  walkTokens(token) {
    if ((token.type === 'link' || token.type === 'image') && !/^https?:\/\//i.test(token.href)) token.href = '#';
  },
});

function step(text, ok = true) {
  $('steps').append(el('li', { text, 'data-ok': String(ok) }));
}

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const utf8 = (text) => new TextEncoder().encode(text);

/** The signing key the page's server offers (a throwaway key registered in the service's CDS_CLIENTS_FILE), or null. */
async function loadSigner() {
  const response = await fetch('client-key.json');
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`client-key.json: HTTP ${response.status}`);
  const { iss, kid, jwk } = await response.json();
  const key = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign']);
  return async (aud) => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(utf8(JSON.stringify({ alg: 'ES384', typ: 'JWT', kid })));
    const payload = base64url(utf8(JSON.stringify({ iss, aud, iat: now, exp: now + 300, jti: crypto.randomUUID() })));
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, key, utf8(`${header}.${payload}`));
    return `${header}.${payload}.${base64url(new Uint8Array(signature))}`;
  };
}

let sign = null;

/** A CDS call: `aud` is the URL called (CDS Hooks 2.0), a fresh token each time. */
async function cdsFetch(url, init = {}) {
  const headers = { Accept: 'application/json', ...(init.headers || {}) };
  if (sign) headers.Authorization = `Bearer ${await sign(url)}`;
  const response = await fetch(url, { ...init, headers });
  if (!response.ok) {
    const hint = response.status === 401 ? ' (the reason is in the service log, field authFailure)' : '';
    throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.status}${hint}`);
  }
  return response.json();
}

async function showPatient() {
  const response = await fetch(`${fhirServer}/Patient/${encodeURIComponent(patientId)}`, { headers: { Accept: 'application/fhir+json' } });
  if (!response.ok) throw new Error(`GET ${fhirServer}/Patient/${patientId}: HTTP ${response.status}`);
  const patient = await response.json();
  const name = patient.name?.[0];
  const display = [...(name?.given ?? []), name?.family].filter(Boolean).join(' ') || '(no name)';
  $('patient').textContent = `${display} · ${patient.gender ?? 'gender unknown'} · born ${patient.birthDate ?? 'unknown'} · ${patientId}`;
  step(`FHIR server: read Patient/${patientId}`);
}

async function sendFeedback(serviceUrl, item, outcomeNode) {
  outcomeNode.className = 'outcome';
  outcomeNode.textContent = 'sending...';
  try {
    await cdsFetch(`${serviceUrl}/feedback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ feedback: [{ ...item, outcomeTimestamp: new Date().toISOString() }] }),
    });
    outcomeNode.textContent = item.outcome === 'accepted' ? 'Accepted: feedback sent' : 'Dismissed: feedback sent';
    outcomeNode.dataset.outcome = item.outcome;
    step(`feedback: ${item.outcome} for card ${item.card}`);
  } catch (error) {
    outcomeNode.className = 'outcome error';
    outcomeNode.textContent = `Feedback failed: ${error.message}`;
    step(`feedback failed: ${error.message}`, false);
  }
}

function renderCard(card, serviceUrl) {
  const outcome = el('span', { class: 'outcome', role: 'status' });
  const article = el('article', {
    class: 'card',
    'data-uuid': card.uuid ?? '',
    'data-indicator': card.indicator ?? '',
    'data-rule': card.source?.topic?.code ?? '',
    'data-service': serviceUrl,
  });
  article.append(el('h2', { text: card.summary ?? '' }));
  const source = el('p', { class: 'source', text: 'Source: ' });
  source.append(card.source?.url && /^https:\/\//i.test(card.source.url)
    ? el('a', { href: card.source.url, rel: 'noreferrer', target: '_blank', text: card.source.label ?? card.source.url })
    : el('span', { text: card.source?.label ?? '(none)' }));
  article.append(source);
  if (card.detail) {
    const detail = el('div', { class: 'detail' });
    detail.innerHTML = markdown.parse(card.detail);
    article.append(detail);
  }
  const actions = el('div', { class: 'actions' });
  for (const suggestion of card.suggestions ?? []) {
    const button = el('button', { type: 'button', class: 'accept', text: suggestion.label ?? 'Accept' });
    button.addEventListener('click', () =>
      sendFeedback(serviceUrl, { card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }] }, outcome));
    actions.append(button);
  }
  for (const link of card.links ?? []) {
    if (/^https:\/\//i.test(link.url ?? '')) actions.append(el('a', { href: link.url, rel: 'noreferrer', target: '_blank', text: link.label ?? link.url }));
  }
  const reasons = card.overrideReasons ?? [];
  const select = el('select', { class: 'override-reason', 'aria-label': 'Dismiss reason' }, el('option', { value: '', text: '(no reason)' }));
  reasons.forEach((reason, index) => select.append(el('option', { value: String(index), text: reason.display ?? reason.code ?? '' })));
  const dismiss = el('button', { type: 'button', class: 'dismiss', text: 'Dismiss' });
  dismiss.addEventListener('click', () => {
    const reason = reasons[Number(select.value)];
    const item = { card: card.uuid, outcome: 'overridden' };
    if (select.value !== '' && reason) item.overrideReason = { reason };
    sendFeedback(serviceUrl, item, outcome);
  });
  if (reasons.length > 0) actions.append(select);
  actions.append(dismiss, outcome);
  article.append(actions);
  return article;
}

async function main() {
  if (!fhirServer || !patientId || !discoveryUrl) {
    throw new Error('needs the URL parameters fhirServiceUrl, patientId and serviceDiscoveryURL (and optionally hook)');
  }
  sign = await loadSigner();
  step(sign ? 'signing CDS calls with an ES384 JWT (client-key.json)' : 'no client-key.json: CDS calls carry no JWT');
  await showPatient();
  const discovery = await cdsFetch(discoveryUrl);
  const services = (discovery.services ?? []).filter((service) => service.hook === hook);
  step(`discovery: ${discovery.services?.length ?? 0} services, ${services.length} for ${hook}`);
  if (services.length === 0) throw new Error(`no service for ${hook} at ${discoveryUrl}`);
  const cards = [];
  for (const service of services) {
    const serviceUrl = `${discoveryUrl.replace(/\/+$/, '')}/${encodeURIComponent(service.id)}`;
    const body = { hook, hookInstance: crypto.randomUUID(), fhirServer, context: { userId, patientId } };
    const answer = await cdsFetch(serviceUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    step(`${service.id}: ${answer.cards?.length ?? 0} cards`);
    for (const card of answer.cards ?? []) cards.push({ card, serviceUrl });
  }
  cards.sort((a, b) => (RANK[a.card.indicator] ?? 9) - (RANK[b.card.indicator] ?? 9));
  const list = $('cards');
  if (cards.length === 0) list.append(el('p', { text: 'No cards.' }));
  for (const { card, serviceUrl } of cards) list.append(renderCard(card, serviceUrl));
}

main().then(
  () => {
    document.body.dataset.state = 'ready';
  },
  (error) => {
    $('error').textContent = error.message;
    step(error.message, false);
    document.body.dataset.state = 'error';
  },
);
