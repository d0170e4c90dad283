/** The JSON body parser of the CDS routes, with the nesting limit (MAX_JSON_DEPTH) checked before any handler runs. */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { invalid } from '../common/outcomes.js';
import { jsonDepthExceeds, jsonTextDepthExceeds } from './json-depth.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

export function jsonBody(limits: { bodyLimitBytes: number; maxJsonDepth: number }): RequestHandler[] {
  // UTF-8 bodies (nearly all) have their depth checked on the bytes, before parsing; others after, on the document.
  const textDepth = new WeakMap<Request, 'within' | 'exceeded'>();
  const parse = express.json({
    limit: limits.bodyLimitBytes,
    type: JSON_TYPES,
    strict: false,
    verify: (req, _res, bytes, encoding) => {
      if (encoding === 'utf-8' || encoding === 'utf8') textDepth.set(req as Request, jsonTextDepthExceeds(bytes, limits.maxJsonDepth) ? 'exceeded' : 'within');
    },
  });
  const checkDepth = (req: Request, _res: Response, next: NextFunction): void => {
    const checked = textDepth.get(req);
    if (req.body !== undefined && (checked === 'exceeded' || (checked === undefined && jsonDepthExceeds(req.body, limits.maxJsonDepth)))) {
      next(invalid(`the JSON document is nested deeper than ${limits.maxJsonDepth} levels`));
      return;
    }
    next();
  };
  return [parse, checkDepth];
}
