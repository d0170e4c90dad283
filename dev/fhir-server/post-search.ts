/**
 * FHIR R4 search by POST (http.html#search): `POST [base]/[type]/_search` with the parameters in an
 * `application/x-www-form-urlencoded` body, in the query string, or both ("parameters have the same meaning in
 * either place"). The server answers it exactly as the GET with all those parameters.
 */

export const FORM_URLENCODED = 'application/x-www-form-urlencoded';

/** The resource type of a `/{type}/_search` path (below the FHIR base), undefined for any other path. */
export function postSearchType(path: string): string | undefined {
  const match = /^\/([A-Za-z]+)\/_search$/.exec(path);
  return match?.[1];
}

/** The GET search URL equal to `POST {base}/{type}/_search` at `requestUrl` with form body `formBody`. */
export function searchUrlOfPost(requestUrl: URL, basePath: string, type: string, formBody: string): URL {
  const url = new URL(`${basePath}/${type}`, requestUrl.origin);
  for (const [key, value] of requestUrl.searchParams) url.searchParams.append(key, value);
  for (const [key, value] of new URLSearchParams(formBody)) url.searchParams.append(key, value);
  return url;
}
