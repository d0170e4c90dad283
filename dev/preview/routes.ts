/**
 * The development card preview (issue 7): GET /preview shows a page where one picks a fixture patient and a hook;
 * POST /preview/api/run builds the CDS Hooks request from the fixture (prefetch + draft TACE order) and runs it
 * through the real pipeline (handleHookCall), returning the cards with their detail rendered to safe HTML.
 * Mounted only when config.previewEnabled (never under NODE_ENV=production).
 */
import express from 'express';
import { DEV_STATIC_DIR } from '../dev-static.js';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';
import { handleHookCall, type HookCallDeps } from '../../src/cds-hooks/hook-call.js';
import type { Card } from '../../src/cds-hooks/types.js';
import { invalid } from '../../src/common/outcomes.js';
import { fixtureHookRequest, loadFixture, loadManifest } from '../fixtures/fixtures.js';
import { renderMarkdown } from './markdown.js';

export const PREVIEW_STATIC_DIR = join(PACKAGE_ROOT, 'dev', 'preview', 'static');

const INDICATOR_RANK: Record<Card['indicator'], number> = { critical: 0, warning: 1, info: 2 };

/** Cards in the order an EHR should show them: critical, then warning, then info (stable within a level). */
export function orderCards<T extends { indicator: Card['indicator'] }>(cards: readonly T[]): T[] {
  return cards
    .map((card, index) => ({ card, index }))
    .sort((a, b) => INDICATOR_RANK[a.card.indicator] - INDICATOR_RANK[b.card.indicator] || a.index - b.index)
    .map(({ card }) => card);
}

/** The CDS Hooks request an EHR would send for a fixture patient: prefetch filled from the fixture, a draft TACE order for order hooks. */
export interface PreviewCard extends Card {
  detailHtml?: string;
}

export function previewRoutes(deps: HookCallDeps): (app: express.Express) => void {
  const manifest = loadManifest();
  const fixtures = new Map(manifest.fixtures.map((entry) => [entry.name, entry]));
  const services = deps.registry.services.map((s) => ({ id: s.id, hook: s.hook, title: s.title }));
  const options = {
    fixtures: manifest.fixtures.map((f) => ({ name: f.name, patientId: f.patientId, description: f.description })),
    services,
  };

  return (app) => {
    app.get(['/preview', '/preview/'], (_req, res) => {
      res.sendFile(join(PREVIEW_STATIC_DIR, 'index.html'));
    });
    app.use('/preview/static', express.static(PREVIEW_STATIC_DIR, { index: false, fallthrough: true }));
    app.use('/preview/shared', express.static(DEV_STATIC_DIR, { index: false, fallthrough: true }));
    app.get('/preview/api/options', (_req, res) => {
      res.json(options);
    });
    app.post('/preview/api/run', express.json({ limit: '16kb' }), async (req, res) => {
      const body = (req.body ?? {}) as { fixture?: unknown; hook?: unknown };
      const entry = typeof body.fixture === 'string' ? fixtures.get(body.fixture) : undefined;
      if (!entry) throw invalid('unknown fixture; pick one from GET /preview/api/options', ['fixture']);
      const service = deps.registry.services.find((s) => s.hook === body.hook);
      if (!service) throw invalid('unknown hook; use patient-view, order-select or order-sign', ['hook']);
      const bundle = loadFixture(entry.file, deps.today());
      const request = fixtureHookRequest(entry, service.hook, service.prefetch, bundle);
      // Every rule, every card, nothing logged: the preview shows what the rules say, not what a site has switched on.
      const result = await handleHookCall(service.id, request, { ...deps, governance: undefined, cardLog: undefined });
      const cards: PreviewCard[] = orderCards(result.cards).map((card) => (card.detail ? { ...card, detailHtml: renderMarkdown(card.detail) } : card));
      res.json({ serviceId: service.id, hook: service.hook, patientId: entry.patientId, cards });
    });
  };
}
