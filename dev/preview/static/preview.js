// hcc-cds card preview: a plain browser module (no framework). Everything from the server is shown with textContent,
// except the card detail, which the server rendered from Markdown with raw HTML escaped.
import { $, el } from '/preview/shared/dom.js';

function setStatus(text, isError) {
  const status = $('status');
  status.textContent = text;
  status.className = isError ? 'error' : '';
}

async function sendFeedback(serviceId, item, outcomeNode) {
  outcomeNode.className = 'outcome';
  outcomeNode.textContent = 'sending...';
  try {
    const response = await fetch(`/cds-services/${encodeURIComponent(serviceId)}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedback: [{ ...item, outcomeTimestamp: new Date().toISOString() }] }),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}${response.status === 401 ? ' (this service requires a CDS client JWT)' : ''}`);
    outcomeNode.textContent = item.outcome === 'accepted' ? 'Accepted: feedback stored' : 'Overridden: feedback stored';
    outcomeNode.dataset.outcome = item.outcome;
  } catch (error) {
    outcomeNode.className = 'outcome error';
    outcomeNode.textContent = `Feedback failed: ${error.message}`;
  }
}

function renderCard(card, serviceId) {
  const node = el('article', { class: `card ${card.indicator}`, 'data-indicator': card.indicator, 'data-rule': card.source.topic.code, 'data-uuid': card.uuid });
  node.append(el('div', { class: 'card-head' }, el('span', { class: 'indicator', text: card.indicator }), el('h2', { class: 'summary', text: card.summary })));
  if (card.detailHtml) {
    const detail = el('div', { class: 'detail' });
    detail.innerHTML = card.detailHtml;
    node.append(detail);
  }
  const source = el('p', { class: 'source' });
  if (card.source.url) source.append(el('a', { href: card.source.url, target: '_blank', rel: 'noopener noreferrer', text: card.source.label }));
  else source.append(card.source.label);
  source.append(` · rule ${card.source.topic.code}`);
  node.append(source);

  if (card.links && card.links.length) {
    const links = el('div', { class: 'links' });
    for (const link of card.links) {
      const safe = /^https?:\/\//i.test(link.url) ? link.url : '#';
      links.append(el('a', { href: safe, target: '_blank', rel: 'noopener noreferrer', text: `${link.label}${link.type === 'smart' ? ' (SMART app)' : ''}` }));
    }
    node.append(links);
  }

  const outcome = el('span', { class: 'outcome' });
  if (card.suggestions && card.suggestions.length) {
    const suggestions = el('div', { class: 'suggestions' });
    for (const suggestion of card.suggestions) {
      const button = el('button', { type: 'button', class: suggestion.isRecommended ? 'primary accept' : 'accept', text: `Accept: ${suggestion.label}` });
      button.addEventListener('click', () =>
        sendFeedback(serviceId, { card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }] }, outcome),
      );
      suggestions.append(button);
    }
    node.append(suggestions);
  }
  if (card.overrideReasons && card.overrideReasons.length) {
    const select = el('select', { class: 'override-reason', 'aria-label': 'Override reason' });
    card.overrideReasons.forEach((reason, index) => select.append(el('option', { value: String(index), text: reason.display || reason.code })));
    const comment = el('input', { type: 'text', class: 'override-comment', placeholder: 'Comment (optional)', 'aria-label': 'Override comment' });
    const button = el('button', { type: 'button', class: 'override-button', text: 'Override' });
    button.addEventListener('click', () => {
      const reason = card.overrideReasons[Number(select.value)];
      const overrideReason = { reason };
      if (comment.value.trim()) overrideReason.userComment = comment.value.trim();
      sendFeedback(serviceId, { card: card.uuid, outcome: 'overridden', overrideReason }, outcome);
    });
    node.append(el('div', { class: 'override' }, select, comment, button));
  }
  node.append(outcome);
  return node;
}

async function run(event) {
  event.preventDefault();
  const fixture = $('fixture').value;
  const hook = $('hook').value;
  const container = $('cards');
  container.replaceChildren();
  setStatus('Running...');
  try {
    const response = await fetch('/preview/api/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fixture, hook }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error((body.issue && body.issue[0] && body.issue[0].diagnostics) || `HTTP ${response.status}`);
    for (const card of body.cards) container.append(renderCard(card, body.serviceId));
    setStatus(`${body.cards.length} card(s) from ${body.serviceId} for patient ${body.patientId}`);
    container.dataset.done = 'true';
  } catch (error) {
    setStatus(`Failed: ${error.message}`, true);
  }
}

async function init() {
  const response = await fetch('/preview/api/options');
  const options = await response.json();
  const fixtureSelect = $('fixture');
  for (const fixture of options.fixtures) fixtureSelect.append(el('option', { value: fixture.name, text: `${fixture.name} (${fixture.patientId})` }));
  const hookSelect = $('hook');
  for (const service of options.services) hookSelect.append(el('option', { value: service.hook, text: `${service.hook}: ${service.title}` }));
  const describe = () => {
    const chosen = options.fixtures.find((f) => f.name === fixtureSelect.value);
    $('fixture-description').textContent = chosen ? chosen.description : '';
  };
  fixtureSelect.addEventListener('change', describe);
  describe();
  $('run-form').addEventListener('submit', run);
  document.body.dataset.ready = 'true';
}

document.addEventListener('DOMContentLoaded', () => {
  init().catch((error) => setStatus(`Cannot load options: ${error.message}`, true));
});
