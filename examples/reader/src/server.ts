// The reader: a small server-rendered news site on Node's own HTTP server, built on Dateline's
// public API alone.
//
//   DATELINE_API=http://127.0.0.1:8080 READER_BIND=127.0.0.1:3000 node dist/src/server.js
//
// Routes: `/` (home), `/{section}` (section pages, paged by cursor), `/tag/{slug}`,
// `/source/{slug}`, `/author/{slug}`, `/search?q=`, and articles at the site's `permalink`
// (`/{section}/{slug}` by default, read from `GET /api/v1/site`). `/media/`, `/feeds/`,
// `/sitemap.xml` and `/sitemaps/` are passed to the API, as the README's proxy rules say.
// A comment form posts here (no script needed); `assets/comments.js` enhances it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { BadRequest, NotFound, createApi, type Problem, type Site } from "./api.js";
import { type Assets } from "./html.js";
import { type CommentFormState, Pages, type Rendered } from "./pages.js";

const here = dirname(fileURLToPath(import.meta.url));
// dist/src/server.js -> the package root, where assets/ is.
const root = join(here, "..", "..");
const apiBase = (process.env.DATELINE_API ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
const [bindHost, bindPort] = (process.env.READER_BIND ?? "127.0.0.1:3000").split(":");

const css = readFileSync(join(root, "assets", "reader.css"), "utf8");
const script = readFileSync(join(here, "browser", "comments.js"));
const scriptBr = brotliCompressSync(script, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
const scriptGzip = gzipSync(script, { level: 9 });
const assets: Assets = {
  css,
  cssHash: createHash("sha256").update(css).digest("base64"),
  version: createHash("sha256").update(script).digest("hex").slice(0, 10),
};
const { api, cache } = createApi(apiBase);
// The site settings and the section tree are revalidated at most this often (seconds), not on
// every page: a change to them shows within this time.
const siteTtlSecs = Number(process.env.READER_SITE_TTL_SECS ?? "30");
if (!Number.isFinite(siteTtlSecs) || siteTtlSecs < 0) throw new Error("READER_SITE_TTL_SECS must be a number of seconds, 0 or more");
const pages = new Pages(api, assets, siteTtlSecs * 1000);

const CSP = [
  "default-src 'self'",
  `style-src 'sha256-${assets.cssHash}'`,
  "script-src 'self'",
  "img-src 'self' https: data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Article paths from the site's permalink template, e.g. `/{section}/{slug}`. */
const patterns = new Map<string, RegExp>();
function permalinkPattern(site: Site): RegExp {
  const known = patterns.get(site.permalink);
  if (known) return known;
  const groups: Record<string, string> = {
    section: "(?<section>[a-z0-9-]+)",
    slug: "(?<slug>[a-z0-9-]+)",
    yyyy: "\\d{4}",
    mm: "\\d{2}",
    dd: "\\d{2}",
    id: "(?<id>\\d+)",
  };
  const source = site.permalink
    .split(/(\{[a-z]+\})/)
    .map((part) => {
      const name = /^\{([a-z]+)\}$/.exec(part)?.[1];
      return name && groups[name] ? groups[name] : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  const pattern = new RegExp(`^${source}/?$`);
  patterns.set(site.permalink, pattern);
  return pattern;
}

function send(req: IncomingMessage, res: ServerResponse, rendered: Rendered, started: bigint, extra: Record<string, string> = {}): void {
  const renderMs = Number(process.hrtime.bigint() - started) / 1e6;
  const body = Buffer.from(rendered.body);
  const etag = `"${createHash("sha1").update(body).digest("base64url")}"`;
  const headers: Record<string, string> = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": rendered.status === 200 ? "public, max-age=0, must-revalidate" : "no-store",
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "server-timing": `render;dur=${renderMs.toFixed(2)}${rendered.htmlMs === undefined ? "" : `, html;dur=${rendered.htmlMs.toFixed(2)}`}, api;desc="${rendered.calls} API calls"`,
    vary: "Accept-Encoding",
    ...extra,
  };
  if (rendered.status === 200) {
    headers.etag = etag;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
  }
  const accept = String(req.headers["accept-encoding"] ?? "");
  let payload = body;
  if (/\bbr\b/.test(accept)) {
    payload = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
    headers["content-encoding"] = "br";
  } else if (/\bgzip\b/.test(accept)) {
    payload = gzipSync(body);
    headers["content-encoding"] = "gzip";
  }
  headers["content-length"] = String(payload.length);
  res.writeHead(rendered.status, headers);
  res.end(req.method === "HEAD" ? undefined : payload);
}

/** Passes `/media/`, `/feeds/`, `/sitemap*` to the API, validators and caching headers along. */
async function proxy(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const headers: Record<string, string> = {};
  // Not Accept-Encoding: fetch would decode the answer anyway (images are not compressed).
  for (const name of ["if-none-match", "if-modified-since", "range", "accept"]) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const upstream = await fetch(apiBase + target, { headers, method: req.method === "HEAD" ? "HEAD" : "GET" });
  const out: Record<string, string> = {};
  upstream.headers.forEach((value, name) => {
    // fetch decodes the body: its coding and length are not passed on.
    if (!["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"].includes(name)) out[name] = value;
  });
  res.writeHead(upstream.status, out);
  if (upstream.body && req.method !== "HEAD") {
    const reader = upstream.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  }
  res.end();
}

class TooLarge extends Error {}

/** A path segment, decoded; a malformed escape is a 400. */
function segment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequest(raw);
  }
}

async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new TooLarge("the form is too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The reader's client, for the API's per-address comment limits (DATELINE_TRUSTED_PROXIES). */
function forwardedFor(req: IncomingMessage): string {
  const prior = req.headers["x-forwarded-for"];
  const address = req.socket.remoteAddress ?? "";
  return prior ? `${prior}, ${address}` : address;
}

interface Submission {
  outcome: "accepted" | "invalid";
  status: number;
  commentStatus?: string;
  id?: number;
  state: CommentFormState;
}

const NOTICES: Record<string, string> = {
  pending: "Thank you. Your comment is awaiting moderation.",
  approved: "Thank you. Your comment is published.",
};

/** Posts the form to the API; its 422 messages go next to their fields, others above the form. */
async function submitComment(req: IncomingMessage, slug: string, form: URLSearchParams): Promise<Submission> {
  const values = {
    body: form.get("body") ?? "",
    author_name: form.get("author_name") ?? "",
    author_email: form.get("author_email") ?? "",
    parent_id: form.get("parent_id") ?? "",
  };
  const parent = values.parent_id ? Number(values.parent_id) : null;
  const { data, error, response } = await api.POST("/api/v1/articles/{slug}/comments", {
    params: { path: { slug } },
    headers: { "x-forwarded-for": forwardedFor(req) },
    body: {
      author_name: values.author_name,
      body: values.body,
      author_email: values.author_email.trim() ? values.author_email : null,
      parent_id: parent !== null && Number.isSafeInteger(parent) ? parent : null,
    },
  });
  if (data) {
    return {
      outcome: "accepted",
      status: 201,
      commentStatus: data.status,
      id: data.id,
      state: { values: {}, errors: {}, notice: NOTICES[data.status] ?? `Your comment is ${data.status}.` },
    };
  }
  const problem = error as Problem | undefined;
  const errors: Record<string, string> = {};
  const fields = new Set(["body", "author_name", "author_email", "parent_id"]);
  const general: string[] = [];
  for (const item of problem?.errors ?? []) {
    if (fields.has(item.field) && !errors[item.field]) errors[item.field] = item.message;
    else general.push(item.message);
  }
  if (!problem?.errors?.length) general.push(problem?.detail ?? problem?.title ?? "The comment could not be sent.");
  return {
    outcome: "invalid",
    status: response.status,
    state: { values, errors, general: general.length ? general.join(" ") : undefined },
  };
}

async function articleRoute(req: IncomingMessage, res: ServerResponse, url: URL, slug: string, started: bigint): Promise<void> {
  const wantsJson = String(req.headers.accept ?? "").includes("application/json");
  let state: CommentFormState = { values: {}, errors: {} };
  if (req.method === "POST") {
    const submission = await submitComment(req, slug, await readForm(req));
    if (wantsJson) {
      // The enhanced form (assets/comments.js): the same outcome, as data.
      const body = JSON.stringify({
        status: submission.commentStatus,
        id: submission.id,
        notice: submission.state.notice,
        errors: submission.state.errors,
        general: submission.state.general,
      });
      res.writeHead(submission.status, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
      return;
    }
    if (submission.outcome === "accepted") {
      // Post/Redirect/Get: a reload does not post again.
      const where = submission.commentStatus === "approved" ? `#comment-${submission.id}` : "#respond";
      res.writeHead(303, { location: `${url.pathname}?comment=${submission.commentStatus}${where}` }).end();
      return;
    }
    state = submission.state;
  } else {
    const flash = url.searchParams.get("comment");
    if (flash && NOTICES[flash]) state.notice = NOTICES[flash];
    const replyTo = url.searchParams.get("reply_to");
    if (replyTo && /^\d+$/.test(replyTo)) state.values.parent_id = replyTo;
  }
  const commentsPage = Math.max(1, Number.parseInt(url.searchParams.get("comments_page") ?? "1", 10) || 1);
  const rendered = await pages.article(slug, state, commentsPage);
  const { site } = rendered;
  // A former slug (the API followed its 301) or another path: send readers to the canonical one.
  const canonicalPath = rendered.article.url?.startsWith(site.base_url) ? rendered.article.url.slice(site.base_url.length) : null;
  if (req.method !== "POST" && canonicalPath && canonicalPath !== url.pathname) {
    res.writeHead(301, { location: canonicalPath + url.search }).end();
    return;
  }
  send(req, res, rendered, started, rendered.status === 200 && state.notice ? { "cache-control": "no-store" } : {});
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const url = new URL(req.url ?? "/", "http://reader.invalid");
  const path = url.pathname;
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
    res.writeHead(405, { allow: "GET, HEAD, POST" }).end();
    return;
  }
  if (path === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", api_cache: cache.snapshot() }));
    return;
  }
  if (path === "/assets/comments.js") {
    const accept = String(req.headers["accept-encoding"] ?? "");
    const [body, coding] = /\bbr\b/.test(accept) ? [scriptBr, "br"] : /\bgzip\b/.test(accept) ? [scriptGzip, "gzip"] : [script, null];
    res
      .writeHead(200, {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": url.searchParams.get("v") === assets.version ? "public, max-age=31536000, immutable" : "no-cache",
        "x-content-type-options": "nosniff",
        vary: "Accept-Encoding",
        "content-length": String(body.length),
        ...(coding ? { "content-encoding": coding } : {}),
      })
      .end(req.method === "HEAD" ? undefined : body);
    return;
  }
  if (path === "/robots.txt") {
    const site = await pages.site();
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(`User-agent: *\nAllow: /\nDisallow: /search\n\nSitemap: ${site.base_url}/sitemap.xml\n`);
    return;
  }
  if (path.startsWith("/media/")) return proxy(req, res, path + url.search);
  if (path === "/sitemap.xml" || path.startsWith("/sitemaps/") || path.startsWith("/feeds/")) {
    return proxy(req, res, "/api/v1" + path + url.search);
  }
  if (path === "/feed.xml") return proxy(req, res, "/api/v1/feeds/rss");

  const cursor = url.searchParams.get("cursor") ?? undefined;
  try {
    const segments = path.split("/").filter(Boolean).map(segment);
    const fixed = segments.length === 0 || path === "/search" || (segments.length === 2 && ["tag", "source", "author"].includes(segments[0]!));
    const article = fixed ? null : permalinkPattern(await pages.site()).exec(path);
    if (article?.groups?.slug) return await articleRoute(req, res, url, article.groups.slug, started);
    // Only an article's comment form posts.
    if (req.method === "POST") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (segments.length === 0) return send(req, res, await pages.home(), started);
    if (path === "/search") return send(req, res, await pages.search(url.searchParams), started);
    if (segments.length === 2 && (segments[0] === "tag" || segments[0] === "source" || segments[0] === "author")) {
      return send(req, res, await pages.taxonomy(segments[0], segments[1]!, cursor), started);
    }
    if (segments.length === 1) return send(req, res, await pages.section(segments[0]!, cursor), started);
    return send(req, res, await pages.notFound(), started);
  } catch (error) {
    if (error instanceof NotFound) return send(req, res, await pages.notFound(), started);
    if (error instanceof BadRequest) return send(req, res, await pages.notFound(400), started);
    if (error instanceof TooLarge) {
      res.writeHead(413, { "content-type": "text/plain; charset=utf-8" }).end("The form is too large.");
      return;
    }
    throw error;
  }
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    console.error(`${req.method} ${req.url}:`, error);
    if (!res.headersSent) {
      res.writeHead(503, { "content-type": "text/html; charset=utf-8", "retry-after": "5", "cache-control": "no-store" });
    }
    res.end('<!doctype html><html lang="en"><meta charset="utf-8"><title>Unavailable</title><h1>The news service is unavailable</h1><p>Please try again shortly.</p></html>');
  });
});
server.keepAliveTimeout = 5000;
server.listen(Number(bindPort ?? 3000), bindHost ?? "127.0.0.1", () => {
  console.log(`reader: http://${bindHost}:${bindPort} (API ${apiBase})`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
