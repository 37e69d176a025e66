// The reader's only way to the content: a client generated from openapi/openapi.json
// (openapi-typescript types, openapi-fetch calls), with an ETag cache in front of it.
//
// Every GET goes to the API, conditionally: an answer seen before is asked for with
// `If-None-Match`, and a 304 is answered from the copy kept here. So a page is always as fresh
// as the API (an approved comment shows on the next reload), while an unchanged block costs the
// API a 304 and no body. The cache is keyed by URL, bounded in entries and bytes, least recently
// used first out.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type Schemas = components["schemas"];
export type Article = Schemas["ArticleDetail"];
export type Card = Schemas["ArticleSummary"];
export type Site = Schemas["SiteView"];
export type Comment = Schemas["PublicComment"];
export type Image = Schemas["FeaturedImage"];
export type Problem = Schemas["Problem"];
export type Api = ReturnType<typeof createApi>["api"];

interface Entry {
  etag: string;
  body: ArrayBuffer;
  headers: [string, string][];
}

export interface CacheStats {
  requests: number;
  notModified: number;
  full: number;
  entries: number;
  bytes: number;
}

export class EtagCache {
  private entries = new Map<string, Entry>();
  private bytes = 0;
  readonly stats = { requests: 0, notModified: 0, full: 0 };

  constructor(
    private readonly maxEntries = 2000,
    private readonly maxBytes = 32 * 1024 * 1024,
    private readonly timeoutMs = 10_000,
  ) {}

  /** A `fetch` for openapi-fetch: conditional GETs, 304s answered from the kept copy. */
  readonly fetch = async (request: Request): Promise<Response> => {
    if (request.method !== "GET" || request.headers.has("authorization")) {
      return fetch(request);
    }
    this.stats.requests += 1;
    const key = request.url;
    const kept = this.entries.get(key);
    if (kept) {
      request.headers.set("if-none-match", kept.etag);
    }
    const response = await fetch(request, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (response.status === 304 && kept) {
      this.stats.notModified += 1;
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return new Response(kept.body, { status: 200, headers: kept.headers });
    }
    this.stats.full += 1;
    const etag = response.headers.get("etag");
    if (response.status !== 200 || !etag) {
      if (kept) this.forget(key);
      return response;
    }
    const body = await response.arrayBuffer();
    const headers: [string, string][] = [];
    response.headers.forEach((value, name) => {
      // The body kept is decoded: its length and coding are no longer those sent.
      if (name !== "content-encoding" && name !== "content-length") headers.push([name, value]);
    });
    if (kept) this.forget(key);
    if (body.byteLength <= this.maxBytes / 8) {
      this.entries.set(key, { etag, body, headers });
      this.bytes += body.byteLength;
      this.evict();
    }
    return new Response(body, { status: 200, headers });
  };

  snapshot(): CacheStats {
    return { ...this.stats, entries: this.entries.size, bytes: this.bytes };
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      this.bytes -= entry.body.byteLength;
      this.entries.delete(key);
    }
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.forget(key);
    }
  }
}

export function createApi(baseUrl: string) {
  const cache = new EtagCache();
  const api = createClient<paths>({
    baseUrl,
    fetch: cache.fetch,
    // Lists of slugs and member names go as `fields=a,b` (the spec's `explode: false`).
    querySerializer: { array: { style: "form", explode: false } },
  });
  return { api, cache };
}

/**
 * An answer every page shows and that rarely changes (the site settings, the section tree):
 * read once, then asked for again, conditionally, at most every `ttlMs` (a 304 when unchanged),
 * not on every page. A change shows within `ttlMs`. While a revalidation fails, the last copy
 * is served and the next page tries again.
 */
export class SiteWide<T> {
  private value: T | undefined;
  private fetchedAt = 0;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
  ) {}

  /** The answer, and whether this call asked the API for it (pages count their calls). */
  async get(): Promise<{ value: T; called: boolean }> {
    if (this.value !== undefined && Date.now() - this.fetchedAt < this.ttlMs) {
      return { value: this.value, called: false };
    }
    // Pages arriving together share one call.
    if (this.pending) return { value: await this.pending, called: false };
    this.pending = this.load()
      .then((value) => {
        this.value = value;
        this.fetchedAt = Date.now();
        return value;
      })
      .catch((error: unknown) => {
        if (this.value === undefined) throw error;
        return this.value;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return { value: await this.pending, called: true };
  }
}

/** What a card on this site shows: one call per list, nothing it does not print. */
export const CARD_FIELDS: Schemas["SummaryField"][] = [
  "slug",
  "headline",
  "summary",
  "url",
  "published_at",
  "section",
  "featured_image",
];
/** A compact card (sidebars): headline, link and time only. */
export const LINK_FIELDS: Schemas["SummaryField"][] = ["slug", "headline", "url", "published_at"];

export class NotFound extends Error {}
/** A malformed parameter (a cursor from nowhere): the API's 400. */
export class BadRequest extends Error {}

/** The data of an answer, or NotFound for a 404/410, or an error naming the call. */
export function need<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined) return result.data;
  const status = result.response.status;
  if (status === 404 || status === 410) throw new NotFound(what);
  if (status === 400) throw new BadRequest(what);
  const problem = result.error as Problem | undefined;
  throw new Error(`${what}: ${status} ${problem?.title ?? ""} ${problem?.detail ?? ""}`.trim());
}
