import type { NextFunction, Request, Response } from 'express';

/**
 * `/cds-services//hcc-patient-view` -> `/cds-services/hcc-patient-view`: repeated slashes in the path (never in the
 * query) become one. Clients join a discovery URL typed with a trailing slash and `/{id}`; a 404 there is shown by
 * the CDS Hooks Sandbox as "All clear!", so the service serves such a path as the single-slash one.
 */
export function collapseRepeatedSlashes(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  return path.replace(/\/{2,}/g, '/') + (queryAt === -1 ? '' : url.slice(queryAt));
}

/** Rewrites `req.url` before routing; `req.originalUrl` keeps the path as called. Cheap when there is no `//`. */
export function collapseRepeatedSlashesMiddleware(req: Request, _res: Response, next: NextFunction): void {
  if (req.url.includes('//')) req.url = collapseRepeatedSlashes(req.url);
  next();
}
