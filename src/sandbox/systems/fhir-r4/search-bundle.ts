import { randomUUID } from 'node:crypto';

import type { Bundle, BundleLink, Resource } from './r4-types.js';

export interface BundlePage {
  /** The trust's FHIR base URL. */
  base: string;
  resourceType: string;
  /** The query as the client sent it: self and next links keep every parameter. */
  query: URLSearchParams;
  total: number;
  /** The matches on this page only, so a large search renders one page, not all of it. */
  entries: readonly Resource[];
  count: number;
  offset: number;
  now: Date;
  /** Pages in lastUpdated order continue after a (time, id) instead of at an offset: see changeSearchBundle. */
  nextPageToken?: string;
}

/**
 * A searchset page. Paging is by _offset over a result order that is stable between requests, so
 * following next links returns every match once (items created meanwhile join the end).
 */
export function searchsetBundle(page: BundlePage): Bundle {
  const { base, resourceType, query, total, entries, count, offset } = page;
  const link: BundleLink[] = [{ relation: 'self', url: pageUrl(base, resourceType, query) }];
  if (count > 0 && page.nextPageToken !== undefined) {
    link.push({ relation: 'next', url: pageUrl(base, resourceType, query, { _count: count, _page_token: page.nextPageToken }) });
  } else if (count > 0 && offset + count < total) {
    link.push({ relation: 'next', url: pageUrl(base, resourceType, query, { _count: count, _offset: offset + count }) });
  }
  if (count > 0 && offset > 0) {
    link.push({ relation: 'previous', url: pageUrl(base, resourceType, query, { _count: count, _offset: Math.max(0, offset - count) }) });
  }
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: page.now.toISOString() },
    type: 'searchset',
    total,
    link,
    ...(entries.length > 0
      ? {
          entry: entries.map((resource) => ({
            fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
            resource,
            search: { mode: 'match' as const },
          })),
        }
      : {}),
  };
}

function pageUrl(
  base: string,
  resourceType: string,
  query: URLSearchParams,
  paging?: { _count: number } & ({ _offset: number } | { _page_token: string }),
): string {
  const params = new URLSearchParams(query);
  if (paging) {
    // A page starts either at an offset or after a token, never both.
    params.delete('_offset' in paging ? '_page_token' : '_offset');
    for (const [name, value] of Object.entries(paging)) params.set(name, String(value));
  }
  const search = params.toString();
  return `${base}/${resourceType}${search ? `?${search}` : ''}`;
}
