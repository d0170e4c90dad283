import type { NextFunction, Request, Response } from 'express';
import { collapseRepeatedSlashes } from '../common/repeated-slashes.js';

export { collapseRepeatedSlashes } from '../common/repeated-slashes.js';

/** Rewrites `req.url` before routing; `req.originalUrl` keeps the path as called. Cheap when there is no `//`. */
export function collapseRepeatedSlashesMiddleware(req: Request, _res: Response, next: NextFunction): void {
  if (req.url.includes('//')) req.url = collapseRepeatedSlashes(req.url);
  next();
}
