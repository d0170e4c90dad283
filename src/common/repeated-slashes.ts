/**
 * `/cds-services//hcc-patient-view` -> `/cds-services/hcc-patient-view`: repeated slashes in the path (never in the
 * query) become one. Clients join a discovery URL typed with a trailing slash and `/{id}`; a 404 there is shown by
 * the CDS Hooks Sandbox as "All clear!", so the service serves such a path as the single-slash one (and the JWT
 * audience check compares paths the same way).
 */
export function collapseRepeatedSlashes(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  return path.replace(/\/{2,}/g, '/') + (queryAt === -1 ? '' : url.slice(queryAt));
}
