// HTML building blocks: escaping, the page frame (head, site header, footer) and the parts
// several pages share (cards, pictures, dates). Every text from the API is escaped here except
// the two the API declares safe HTML: an article's sanitized `body`, and search `snippet` /
// `headline_highlighted`.
import type { Card, Image, Site } from "./api.js";

/** Escapes text for element content and double-quoted attributes. */
export function esc(text: string | null | undefined): string {
  return (text ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A value already made safe (escaped, or declared safe HTML by the API). */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** Tagged template: interpolated strings are escaped, Html and arrays of Html are not. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? "");
  });
  return new Html(out);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.html;
  if (Array.isArray(value)) return value.map(render).join("");
  return esc(String(value));
}

export const raw = (text: string): Html => new Html(text);

/**
 * A public URL of the site as a path on this reader. The API makes every page URL from the
 * site's `base_url` (canonical URLs); the reader links to the same paths on its own origin, so
 * it works whether or not it is served at `base_url` yet.
 */
export function localPath(site: Site, url: string | null | undefined): string {
  if (!url) return "/";
  const base = site.base_url.replace(/\/+$/, "");
  if (url === base) return "/";
  if (url.startsWith(base + "/")) return url.slice(base.length);
  return url;
}

/** "Sunday, July 14, 2024" in the site's time zone. */
export function longDate(site: Site, iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(site.language || "en", {
    timeZone: site.time_zone,
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  }).format(new Date(iso));
}

/** "July 14, 2024" in the site's time zone. */
export function shortDate(site: Site, iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(site.language || "en", {
    timeZone: site.time_zone,
    year: "numeric",
    month: "long",
    day: "numeric",
  }).format(new Date(iso));
}

export function time(site: Site, iso: string | null | undefined, long = false): Html {
  if (!iso) return html``;
  return html`<time datetime="${iso}">${long ? longDate(site, iso) : shortDate(site, iso)}</time>`;
}

/**
 * A `<picture>`: the WebP variants as one `srcset`, the JPEG/PNG ones as the `<img>`'s, with
 * the intrinsic size (no layout shift) and the focal point as the crop position.
 */
export function picture(image: Image, sizes: string, options: { eager?: boolean; priority?: boolean; maxWidth?: number } = {}): Html {
  const within = (width: number) => !options.maxWidth || width <= options.maxWidth;
  const webp = image.variants.filter((v) => v.format === "webp" && within(v.width));
  const fallback = image.variants.filter((v) => v.format !== "webp" && within(v.width));
  const srcset = (list: typeof image.variants) => list.map((v) => `${v.url} ${v.width}w`).join(", ");
  const src = fallback.at(-1)?.url ?? image.url;
  // Above the fold: loaded at once (the largest one first); below it: when scrolled near.
  const loading = options.priority ? html` fetchpriority="high"` : options.eager ? html`` : html` loading="lazy" decoding="async"`;
  return html`<picture>${webp.length ? html`<source type="image/webp" srcset="${srcset(webp)}" sizes="${sizes}">` : ""}<img src="${src}"${fallback.length ? html` srcset="${srcset(fallback)}" sizes="${sizes}"` : ""} width="${image.width}" height="${image.height}" alt="${image.alt}"${loading}></picture>`;
}

/** A story card: thumbnail, section, headline (the link), summary, date. */
export function card(site: Site, story: Card, options: { level?: number; snippet?: Html; headline?: Html; priority?: boolean } = {}): Html {
  const level = options.level ?? 3;
  const href = localPath(site, story.url);
  const image = story.featured_image;
  const heading = options.headline ?? html`${story.headline}`;
  return html`<article class="card">
${image ? html`<a class="thumb" href="${href}" tabindex="-1" aria-hidden="true">${picture(image, options.priority ? "(max-width: 700px) 100vw, 640px" : "(max-width: 700px) 100vw, 240px", { maxWidth: options.priority ? 1280 : 640, priority: options.priority })}</a>` : ""}
<div class="card-text">
${story.section ? html`<p class="kicker">${story.section.name}</p>` : ""}
${raw(`<h${level}>`)}<a href="${href}">${heading}</a>${raw(`</h${level}>`)}
${options.snippet ? html`<p class="snippet">${options.snippet}</p>` : story.summary ? html`<p class="summary">${story.summary}</p>` : ""}
<p class="meta">${time(site, story.published_at)}</p>
</div>
</article>`;
}

/** A list of headlines (Latest posts, Related articles). */
export function linkList(site: Site, stories: Card[]): Html {
  return html`<ul class="links">${stories.map(
    (story) => html`<li><a href="${localPath(site, story.url)}">${story.headline}</a> ${time(site, story.published_at)}</li>`,
  )}</ul>`;
}

export interface Frame {
  site: Site;
  title: string;
  /** Extra `<head>` content (description, canonical, Open Graph, JSON-LD, feeds). */
  head?: Html;
  body: Html;
  /** Module scripts of this origin, deferred by nature. */
  scripts?: string[];
  /** Today's date line, in the site's time zone. */
  now?: Date;
  /** The "Stay Connected" links are in the footer unless the page shows them itself. */
  socialInPage?: boolean;
}

export interface Assets {
  css: string;
  cssHash: string;
  /** Query string that changes with the assets' content (cache busting). */
  version: string;
}

export function page(frame: Frame, assets: Assets): string {
  const { site } = frame;
  // The logo sits beside the site's name in the same link: its alt text would say it twice.
  const logo = site.logo
    ? picture({ ...site.logo, alt: "" }, "220px", { eager: true, maxWidth: 640 })
    : site.logo_url
      ? html`<img src="${site.logo_url}" alt="" height="48">`
      : "";
  const nav = site.navigation.map((link) => html`<li><a href="${localPath(site, link.url)}">${link.label}</a></li>`);
  const doc = html`<!doctype html>
<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title}</title>
<link rel="icon" href="data:,">
<style>${raw(assets.css)}</style>
${frame.head ?? ""}
<link rel="alternate" type="application/rss+xml" title="${site.name} (RSS)" href="${site.base_url}/feeds/rss">
<link rel="alternate" type="application/atom+xml" title="${site.name} (Atom)" href="${site.base_url}/feeds/atom">
<link rel="alternate" type="application/feed+json" title="${site.name} (JSON Feed)" href="${site.base_url}/feeds/json">
${(frame.scripts ?? []).map((src) => html`<script type="module" src="${src}?v=${assets.version}"></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<div class="wrap masthead">
<p class="today">${longDate(site, (frame.now ?? new Date()).toISOString())}</p>
<a class="brand" href="/">${logo}<span class="name">${site.name}</span></a>
${site.description ? html`<p class="tagline">${site.description}</p>` : ""}
<form class="search-box" role="search" aria-label="Site" action="/search" method="get">
<label for="site-search" class="visually-hidden">Search</label>
<input id="site-search" type="search" name="q" placeholder="Search">
<button type="submit">Search</button>
</form>
</div>
${nav.length ? html`<nav class="site-nav" aria-label="Main"><ul class="wrap">${nav}</ul></nav>` : ""}
</header>
<main id="main" class="wrap">
${frame.body}
</main>
<footer class="site-footer">
<div class="wrap">
${frame.socialInPage ? "" : stayConnected(site)}
<p>© ${site.publisher_name} · <a href="${site.base_url}/feeds/rss">RSS</a> · <a href="/sitemap.xml">Sitemap</a></p>
</div>
</footer>
</body>
</html>
`;
  return doc.html;
}

/** The site's "Stay Connected" links, in order. */
export function stayConnected(site: Site): Html {
  if (site.social_links.length === 0) return html``;
  return html`<section class="stay-connected" aria-labelledby="stay-connected"><h2 id="stay-connected">Stay Connected</h2><ul>${site.social_links.map(
    (link) => html`<li><a href="${link.url}" rel="me noopener" class="social social-${link.network}">${link.label}</a></li>`,
  )}</ul></section>`;
}
