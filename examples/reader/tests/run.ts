// The reader in a real browser: Debian's Chromium driven by playwright-core against a Dateline
// server with the seed story imported and the reader in front of it (scripts/reader.sh starts
// both). Checks every element of the seed page with the fixture's text, the comment form with
// and without script, moderation, a draft, axe-core and Lighthouse; writes screenshots; and
// measures the article page (render time over 1,000 renders, bytes, Lighthouse performance).
// Exits non-zero on the first failed check.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import axe from "axe-core";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { components } from "../src/schema.js";
import { client, login, prepare, type Prepared } from "./setup.js";

type Article = components["schemas"]["ArticleDetail"];

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const API = env("DATELINE_API");
const READER = env("READER_URL");
const CHROME = env("CHROME_PATH", "/usr/bin/chromium");
const OUT = resolve(env("READER_ARTIFACTS", "reader-artifacts"));
const FIXTURE = resolve(env("READER_FIXTURE", "../../tests/fixtures/seed-article.json"));
const PHOTO = resolve(env("READER_PHOTO", "../../tests/fixtures/photo.jpg"));
const RENDERS = Number(env("READER_RENDERS", "1000"));
// The reader's READER_SITE_TTL_SECS: how stale its site settings and section tree may be.
const SITE_TTL_SECS = Number(env("READER_SITE_TTL_SECS", "30"));

interface Fixture {
  page_date: string;
  breadcrumb: string[];
  section: { name: string; slug: string };
  headline: string;
  alternative_headline: string;
  body_paragraphs: string[];
  sources: { name: string; byline: string }[];
  suggested_tags: string[];
  page_blocks: string[];
  comment_form_messages: { body_missing: string; name_missing: string };
}

let checks = 0;
function check(condition: unknown, what: string): void {
  if (!condition) throw new Error(`FAILED: ${what}`);
  checks += 1;
}
const squash = (text: string | null | undefined) => (text ?? "").replace(/\s+/g, " ").trim();

async function text(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  check(await locator.isVisible(), `${selector} is visible`);
  return squash(await locator.innerText());
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const fixture = JSON.parse(await readFile(FIXTURE, "utf8")) as Fixture;
  const slug = env("READER_SLUG", "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes");
  const editorToken = await login(API, env("READER_EDITOR_EMAIL"), env("READER_EDITOR_PASSWORD"));
  const adminToken = await login(API, env("READER_ADMIN_EMAIL"), env("READER_ADMIN_PASSWORD"));
  const prepared = await prepare({ api: API, reader: READER, adminToken, editorToken, slug, photo: PHOTO });
  // The settings and sections just written reach the reader's site-wide copies within the TTL.
  await shownWithin(
    `${READER}/`,
    (body) => body.includes('<meta property="og:site_name" content="Dateline News">') && /class="depth-1"><a href="\/asia">Asia</.test(body),
    "the site settings and section tree written show on the reader within READER_SITE_TTL_SECS",
  );
  const story = (await client(API).GET("/api/v1/articles/{slug}", { params: { path: { slug } } })).data;
  check(story?.url, "the API serves the story");
  const articleUrl = `${READER}${new URL(story!.url!).pathname}`;
  console.log(`article page: ${articleUrl}`);

  // Server-rendered: the first response carries the article, its head and its JSON-LD.
  const first = await fetch(articleUrl);
  const firstHtml = await first.text();
  check(first.status === 200, "the article page answers 200");
  check(firstHtml.includes(escapeText(fixture.headline)), "the first response carries the headline");
  check((firstHtml.match(/application\/ld\+json/g) ?? []).length === (story!.structured_data ?? []).length, "the first response carries the API's JSON-LD");
  check(first.headers.get("etag"), "the reader sends an ETag");
  const again = await fetch(articleUrl, { headers: { "if-none-match": first.headers.get("etag")! } });
  check(again.status === 304, "the reader answers 304 to its own ETag");
  const oversized = await fetch(articleUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `body=${"x".repeat(20_000)}&author_name=Big`,
  });
  check(oversized.status === 413, "an oversized comment form is a 413");

  const browser = await chromium.launch({ executablePath: CHROME, headless: true, args: ["--no-sandbox"] });
  try {
    await articleChecks(browser, articleUrl, fixture, prepared, story!);
    await commentChecks(browser, articleUrl, fixture, slug, editorToken);
    await pageChecks(browser, prepared, fixture);
    await callChecks(articleUrl, prepared, fixture, adminToken);
    await screenshots(browser, articleUrl);
    await axeChecks(browser, [articleUrl, `${READER}/`, `${READER}/${fixture.section.slug}`, `${READER}/search?q=border`, `${READER}/no/such/page`]);
  } finally {
    await browser.close();
  }
  const scores = await lighthouseRun(articleUrl);
  const browserChecks = checks;
  const before = await apiCache();
  const render = await renderTimes(articleUrl);
  // Every API read of those renders was conditional: how many the API answered 304.
  const after = await apiCache();
  const calls = after.requests - before.requests;
  const notModified = after.notModified - before.notModified;
  check(notModified > 0, "the reader's API reads are conditional (304s)");
  check(calls / (RENDERS + 50) <= 2.05, "the article page takes two API calls (the site settings only now and then)");
  Object.assign(render, { api_calls_per_article_page: calls / (RENDERS + 50), api_304_share: Math.round((notModified / calls) * 1000) / 1000 });
  console.log(`API reads during the renders: ${calls} (${calls / (RENDERS + 50)} per page), ${notModified} answered 304 Not Modified`);
  console.log(`\nscreenshots: ${OUT}`);
  console.log(`figures: ${JSON.stringify({ ...scores, ...render })}`);
  await writeFile(join(OUT, "figures.json"), JSON.stringify({ ...scores, ...render }, null, 2));
  console.log(`reader browser tests passed: ${browserChecks} checks, and ${RENDERS} renders answered`);
}

/** Reads `url` until `test` passes on its HTML: at most the site-wide TTL and a second. */
async function shownWithin(url: string, test: (body: string) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + (SITE_TTL_SECS + 1) * 1000;
  for (;;) {
    if (test(await (await fetch(url)).text())) return check(true, what);
    check(Date.now() < deadline, what);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/**
 * The API calls each page makes (the reader's `Server-Timing`), with the site-wide answers
 * fresh: the least of three reads in a row, as one of them may revalidate those. Then a change
 * of the site settings shows within the TTL, without a call per page in between.
 */
async function callChecks(articleUrl: string, prepared: Prepared, fixture: Fixture, adminToken: string): Promise<void> {
  const pages: [string, string, number][] = [
    ["article", articleUrl, 2],
    ["home", `${READER}/`, 1],
    ["section", `${READER}/${fixture.section.slug}`, 2],
    ["tag", `${READER}/tag/pakistan`, 2],
    ["source", `${READER}/source/agencies`, 2],
    ["author", `${READER}/author/${prepared.authorSlug}`, 2],
    ["search", `${READER}/search?q=border`, 1],
    ["404", `${READER}/no/such/page`, 0],
  ];
  const made: Record<string, number> = {};
  for (const [name, url, expected] of pages) {
    let least = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const response = await fetch(url);
      await response.arrayBuffer();
      const calls = Number(/api;desc="(\d+) API calls"/.exec(response.headers.get("server-timing") ?? "")?.[1]);
      least = Math.min(least, calls);
    }
    made[name] = least;
    check(least === expected, `${name} page: ${expected} API calls (made ${least})`);
  }
  console.log(`API calls per page: ${JSON.stringify(made)}`);
  const description = "News from Pakistan and the world, revalidated";
  const patched = await client(API, adminToken).PATCH("/api/v1/site", { body: { description } });
  check(patched.response.status === 200, "the site description changes over the API");
  await shownWithin(`${READER}/`, (body) => body.includes(`<meta name="description" content="${description}">`), "a site settings change shows on the reader within READER_SITE_TTL_SECS");
}

async function apiCache(): Promise<{ requests: number; notModified: number }> {
  const health = (await (await fetch(`${READER}/healthz`)).json()) as { api_cache: { requests: number; notModified: number } };
  return health.api_cache;
}

function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

async function articleChecks(
  browser: Browser,
  url: string,
  fixture: Fixture,
  prepared: Prepared,
  story: Article,
): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  const response = await page.goto(url);
  check(response?.status() === 200, "article: 200");

  // Site header: logo, name, navigation.
  const logo = page.locator(".site-header .brand img");
  check(await logo.isVisible(), "header: the logo is visible");
  check(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), "header: the logo loaded");
  check((await text(page, ".site-header .brand")).includes(prepared.siteName), "header: the site name");
  for (const label of prepared.navLabels) {
    check(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true }).isVisible(), `navigation: ${label}`);
  }
  // Breadcrumb: Home > World News.
  const crumbs = await page.locator("nav.breadcrumb li").allInnerTexts();
  check(squash(crumbs.join(" > ")) === fixture.breadcrumb.join(" > "), `breadcrumb ${fixture.breadcrumb.join(" > ")} (got ${crumbs.join(" > ")})`);
  // Headline, alternative headline.
  check((await text(page, "h1")) === fixture.headline, "headline");
  check((await text(page, ".alternative-headline")) === fixture.alternative_headline, "alternative headline");
  // The date in the site's time zone (the fixture's page date).
  const [y, m, d] = fixture.page_date.split("-").map(Number);
  const expectedDate = new Intl.DateTimeFormat("en", { weekday: "long", year: "numeric", month: "long", day: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y!, m! - 1, d!)),
  );
  check((await text(page, ".story-meta time")) === expectedDate, `date ${expectedDate}`);
  // Byline.
  check((await text(page, ".story-meta .byline")) === fixture.sources[0]!.byline, `byline ${fixture.sources[0]!.byline}`);
  // Featured image with srcset/sizes, loaded, and its credit.
  const image = page.locator("figure.featured img");
  check(await image.isVisible(), "featured image visible");
  check(await image.getAttribute("srcset"), "featured image has srcset");
  check(await image.getAttribute("sizes"), "featured image has sizes");
  check(await page.locator("figure.featured source[type='image/webp']").getAttribute("srcset"), "featured image has a WebP srcset");
  check(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), "featured image loaded");
  check((await text(page, "figure.featured .credit")) === prepared.credit, "featured image credit");
  // Body: every paragraph of the fixture.
  const body = await text(page, ".story-body");
  for (const paragraph of fixture.body_paragraphs) check(body.includes(squash(paragraph)), `body paragraph "${paragraph.slice(0, 40)}..."`);
  // Tags.
  const tags = (await page.locator(".tags li").allInnerTexts()).map(squash);
  check(JSON.stringify(tags) === JSON.stringify(fixture.suggested_tags), `tags ${fixture.suggested_tags.join(", ")} (got ${tags.join(", ")})`);
  // Sources: By Agencies.
  check((await text(page, ".sources")) === `Sources: ${fixture.sources.map((s) => s.byline).join(", ")}`, "Sources: By Agencies");
  // The page's blocks, by their headings: Related articles, the comment form, Stay Connected, Latest posts.
  for (const block of fixture.page_blocks) {
    if (block === "Comment form") {
      check(await page.locator("form[data-comment-form]").isVisible(), "the comment form");
      continue;
    }
    check(await page.getByRole("heading", { name: block, exact: true }).isVisible(), `block "${block}"`);
  }
  check((await page.locator(".related .card").count()) >= 1, "related articles listed");
  check((await page.locator(".latest li").count()) >= 1, "latest posts listed");
  check(!(await page.locator(".latest").innerText()).includes(fixture.headline), "latest posts leave out the story");
  for (const label of prepared.socialLabels) {
    check(await page.locator(".stay-connected").getByRole("link", { name: label, exact: true }).isVisible(), `Stay Connected: ${label}`);
  }
  // The head: title, description, canonical, Open Graph, JSON-LD, feeds.
  const head = story.head;
  check(head, "the API gives the article's head values");
  if (!head) return;
  check((await page.title()) === head.title, "<title>");
  const meta = (selector: string) => page.locator(`head ${selector}`).first().getAttribute("content");
  check((await meta("meta[name=description]")) === head.description, "meta description");
  check((await page.locator("head link[rel=canonical]").getAttribute("href")) === head.canonical_url, "canonical");
  check((await meta("meta[property='og:title']")) === head.social_title, "og:title");
  check((await meta("meta[property='og:url']")) === head.canonical_url, "og:url");
  check((await meta("meta[property='og:image']")) === head.social_image_url, "og:image");
  check((await meta("meta[property='og:type']")) === "article", "og:type");
  const jsonLd = await page.locator("head script[type='application/ld+json']").allTextContents();
  check(JSON.stringify(jsonLd.map((item) => JSON.parse(item))) === JSON.stringify(story.structured_data), "JSON-LD as the API gives it");
  for (const type of ["application/rss+xml", "application/atom+xml", "application/feed+json"]) {
    const href = await page.locator(`head link[rel=alternate][type='${type}']`).first().getAttribute("href");
    check(href, `feed link ${type}`);
    const feed = await fetch(href!.replace(new URL(href!).origin, READER));
    check(feed.status === 200, `the feed ${href} is served through the reader`);
  }
  check(errors.length === 0, `no console errors (${errors.join("; ")})`);
  await context.close();
}

async function commentChecks(browser: Browser, url: string, fixture: Fixture, slug: string, editorToken: string): Promise<void> {
  const messages = fixture.comment_form_messages;
  const editor = client(API, editorToken);
  const approve = async (body: string) => {
    const pending = await editor.GET("/api/v1/comments", { params: { query: { status: "pending", article: slug } } });
    const comment = pending.data?.data.find((item) => item.body === body);
    check(comment, `the comment "${body}" waits for moderation`);
    const result = await editor.PATCH("/api/v1/comments/{id}", { params: { path: { id: comment!.id } }, body: { status: "approved" } });
    check(result.response.status === 200, "an editor approves it over the API");
    return comment!.id;
  };

  for (const script of [true, false]) {
    const how = script ? "with script" : "without script";
    const context: BrowserContext = await browser.newContext({ javaScriptEnabled: script, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(url);
    // Empty form: the API's two messages, each next to its field.
    await page.locator("form[data-comment-form] button[type=submit]").click();
    if (!script) await page.waitForLoadState();
    await page.locator("#f-body-error").waitFor({ state: "visible" });
    check((await text(page, "#f-body-error")) === messages.body_missing, `${how}: "${messages.body_missing}" next to the comment`);
    check((await text(page, "#f-author_name-error")) === messages.name_missing, `${how}: "${messages.name_missing}" next to the name`);
    check((await page.locator("#f-body").getAttribute("aria-invalid")) === "true", `${how}: the comment field is marked invalid`);
    // A 422 from the API on another field (a malformed e-mail) is shown next to it.
    // Plain text: markup in a comment is shown as typed, never interpreted.
    const body = `A valid comment ${how}: <b>diplomacy</b> over airstrikes & "at last".`;
    await page.fill("#f-body", body);
    await page.fill("#f-author_name", script ? "Amina" : "Bilal");
    await page.fill("#f-author_email", "not-an-address");
    await page.locator("form[data-comment-form] button[type=submit]").click();
    if (!script) await page.waitForLoadState();
    await page.locator("#f-author_email-error").waitFor({ state: "visible" });
    check((await text(page, "#f-author_email-error")).length > 0, `${how}: the API's 422 on the e-mail is shown next to it`);
    check(!(await page.locator("#f-body-error").isVisible()), `${how}: the comment field is no longer marked`);
    // A valid comment: awaiting moderation.
    await page.fill("#f-author_email", "");
    await page.locator("form[data-comment-form] button[type=submit]").click();
    if (!script) await page.waitForLoadState();
    await page.locator(".form-status").waitFor({ state: "visible" });
    check((await text(page, ".form-status")).includes("awaiting moderation"), `${how}: "awaiting moderation"`);
    check(!(await page.locator(".comment-list").innerText().catch(() => "")).includes(body), `${how}: not shown before approval`);
    // Approved over the API: shown after a reload.
    const id = await approve(body);
    await page.goto(url);
    check((await text(page, `#comment-${id} .comment-body`)) === body, `${how}: shown after approval and a reload`);
    check((await page.locator(`#comment-${id} .comment-body b`).count()) === 0, `${how}: markup in a comment is escaped`);
    // A reply, through the comment's Reply link (a link to the form without script): a thread.
    await page.locator(`#comment-${id} a[data-reply-to]`).first().click();
    if (!script) await page.waitForURL(/reply_to=/);
    const reply = `A reply in the thread ${how}: agreed.`;
    await page.fill("#f-body", reply);
    await page.fill("#f-author_name", script ? "Chen" : "Dana");
    await page.locator("form[data-comment-form] button[type=submit]").click();
    if (!script) await page.waitForLoadState();
    await page.locator(".form-status").waitFor({ state: "visible" });
    check((await text(page, ".form-status")).includes("awaiting moderation"), `${how}: the reply is awaiting moderation`);
    const replyId = await approve(reply);
    await page.goto(url);
    check((await text(page, `#comment-${id} .replies #comment-${replyId} .comment-body`)) === reply, `${how}: the reply shows in its thread`);
    await context.close();
  }
}

async function pageChecks(browser: Browser, prepared: Prepared, fixture: Fixture): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Home: latest posts and sections.
  check((await page.goto(`${READER}/`))?.status() === 200, "home: 200");
  check((await page.locator("main .card").count()) >= 5, "home: story cards");
  check(await page.getByRole("heading", { name: "Sections" }).isVisible(), "home: sections");
  // Section page: sub-sections, paged by cursor.
  check((await page.goto(`${READER}/${fixture.section.slug}`))?.status() === 200, "section: 200");
  check((await text(page, "h1")) === fixture.section.name, "section: its name");
  check(await page.locator(".subsections").getByRole("link", { name: "Asia" }).isVisible(), "section: its sub-section");
  const firstPage = await page.locator("main .card h2").allInnerTexts();
  await page.getByRole("link", { name: "Older stories" }).click();
  await page.waitForURL(/cursor=/);
  const secondPage = await page.locator("main .card h2").allInnerTexts();
  check(secondPage.length > 0 && !secondPage.some((headline) => firstPage.includes(headline)), "section: the next page by cursor shows other stories");
  // Tag, source and author pages.
  check((await page.goto(`${READER}/tag/pakistan`))?.status() === 200, "tag: 200");
  check(await page.getByRole("link", { name: fixture.headline }).first().isVisible(), "tag: lists the story");
  check((await page.goto(`${READER}/source/agencies`))?.status() === 200, "source: 200");
  check(await page.getByRole("link", { name: fixture.headline }).first().isVisible(), "source: lists the story");
  check((await page.goto(`${READER}/author/${prepared.authorSlug}`))?.status() === 200, "author: 200");
  check((await page.locator("main .card").count()) >= 1, "author: lists their stories");
  // Search: snippets with marks and facets.
  check((await page.goto(`${READER}/search?q=${encodeURIComponent("border airstrikes")}`))?.status() === 200, "search: 200");
  check(await page.locator(".card .snippet mark").first().isVisible(), "search: highlighted snippets");
  check(await page.getByRole("heading", { name: "Sections" }).isVisible(), "search: section facets");
  check(await page.getByRole("heading", { name: "Tags" }).isVisible(), "search: tag facets");
  // 404s: an unknown path, and a draft (the API has it, the public must not).
  check((await page.goto(`${READER}/no/such/page`))?.status() === 404, "404 page");
  check(await page.getByRole("heading", { name: "Page not found" }).isVisible(), "404 page says so");
  check((await page.goto(`${READER}/${fixture.section.slug}/${prepared.draftSlug}`))?.status() === 404, "a draft is not reachable");
  check((await page.goto(`${READER}/${prepared.draftSlug}`))?.status() === 404, "a draft is not reachable as a section either");
  check((await fetch(`${READER}/world-news?cursor=not-a-cursor`)).status === 400, "a cursor from nowhere is a 400 page");
  check((await fetch(`${READER}/%E0%A4%A`)).status === 400, "a malformed path is a 400 page");
  check((await fetch(`${READER}/`, { method: "POST", body: "x=1" })).status === 405, "only an article takes a post");
  await context.close();
}

async function screenshots(browser: Browser, url: string): Promise<void> {
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: width > 500 ? 900 : 844 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: "load" });
    // Lazy images load once near the viewport: scroll through, then wait for every image.
    await page.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 400) {
        window.scrollTo(0, y);
        await new Promise((done) => setTimeout(done, 30));
      }
      window.scrollTo(0, 0);
    });
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0));
    const file = join(OUT, `article-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `no horizontal scrolling at ${width} px (${overflow} px too wide)`);
    console.log(`screenshot: ${file}`);
    await context.close();
  }
}

async function axeChecks(browser: Browser, urls: string[]): Promise<void> {
  // axe is injected as an inline script, which the reader's CSP forbids: bypass it for the audit.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  let total = 0;
  for (const url of urls) {
    await page.goto(url);
    await page.addScriptTag({ content: axe.source });
    const violations = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
    });
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    console.log(`axe ${url}: ${violations.length} violations, ${serious.length} serious or critical${violations.length ? ` ${JSON.stringify(violations)}` : ""}`);
    total += serious.length;
  }
  check(total === 0, "axe-core: no serious or critical violation");
  axeSerious = total;
  await context.close();
}
let axeSerious = 0;

async function lighthouseRun(url: string): Promise<Record<string, number>> {
  const chrome = await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"] });
  try {
    // Lighthouse's default settings: a mobile device, simulated slow 4G and a 4x slower CPU.
    const result = await lighthouse(url, { port: chrome.port, output: "json", logLevel: "error" });
    if (!result) throw new Error("Lighthouse gave no result");
    const { lhr } = result;
    await writeFile(join(OUT, "lighthouse-article.json"), typeof result.report === "string" ? result.report : JSON.stringify(lhr));
    const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
    const scores = {
      lighthouse_performance_mobile: score("performance"),
      lighthouse_accessibility: score("accessibility"),
      lighthouse_best_practices: score("best-practices"),
      lighthouse_seo: score("seo"),
      article_total_bytes: Math.round(lhr.audits["total-byte-weight"]?.numericValue ?? 0),
      axe_serious_or_critical: axeSerious,
    };
    for (const category of Object.values(lhr.categories)) {
      const failing = category.auditRefs
        .map((ref) => lhr.audits[ref.id])
        .filter((audit) => audit && audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== "informative" && audit.scoreDisplayMode !== "notApplicable");
      console.log(`lighthouse ${category.id}: ${Math.round((category.score ?? 0) * 100)}${failing.length ? ` (below full marks: ${failing.map((a) => a!.id).join(", ")})` : ""}`);
    }
    console.log(`lighthouse LCP ${Math.round(lhr.audits["largest-contentful-paint"]?.numericValue ?? 0)} ms, total bytes ${scores.article_total_bytes}`);
    check(scores.lighthouse_accessibility >= 90, "Lighthouse accessibility >= 90");
    check(scores.lighthouse_best_practices >= 90, "Lighthouse best practices >= 90");
    check(scores.lighthouse_seo >= 90, "Lighthouse SEO >= 90");
    return scores;
  } finally {
    chrome.kill();
  }
}

/** Server render time of the article page (the reader's Server-Timing), the API warm. */
async function renderTimes(url: string): Promise<Record<string, number>> {
  const headers = { "accept-encoding": "br" };
  for (let i = 0; i < 50; i++) await (await fetch(url, { headers })).arrayBuffer();
  const render: number[] = [];
  const htmlOnly: number[] = [];
  const wall: number[] = [];
  let htmlBytes = 0;
  for (let i = 0; i < RENDERS; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    wall.push(performance.now() - started);
    const timing = /render;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "");
    check(response.status === 200 && timing, "a render answers 200 with its Server-Timing");
    render.push(Number(timing![1]));
    htmlOnly.push(Number(/html;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1] ?? 0));
    htmlBytes = Number(response.headers.get("content-length") ?? 0);
  }
  const pct = (list: number[], p: number) => {
    const sorted = [...list].sort((a, b) => a - b);
    return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 100) / 100;
  };
  const figures = {
    renders: RENDERS,
    render_ms_p50: pct(render, 50),
    render_ms_p99: pct(render, 99),
    html_ms_p50: pct(htmlOnly, 50),
    html_ms_p99: pct(htmlOnly, 99),
    response_ms_p50: pct(wall, 50),
    response_ms_p99: pct(wall, 99),
    article_html_bytes_br: htmlBytes,
  };
  console.log(`article page over ${RENDERS} renders: render p50 ${figures.render_ms_p50} ms, p99 ${figures.render_ms_p99} ms (of which making the HTML: p50 ${figures.html_ms_p50} ms, p99 ${figures.html_ms_p99} ms; as the client saw it: p50 ${figures.response_ms_p50} ms, p99 ${figures.response_ms_p99} ms); HTML ${htmlBytes} bytes (brotli)`);
  return figures;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
