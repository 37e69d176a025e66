// Builds the seed story page ("Pakistan and Iran Announce De-escalation Agreement...") from
// Dateline's public API alone, with a client generated from openapi/openapi.json. Every call
// and every field below is checked by `tsc` against the spec: a change to the contract that
// breaks this page breaks `npm run check`.
//
// Each block is one call: the card lists ask for what their cards show (`include` embeds the
// featured image and the comment count, `fields` leaves out the rest), "Latest posts" leaves
// out the story itself (`exclude`), and the pinned stories come in the order asked with the
// batch form (`slug=a,b,c`), which names the slugs it did not find. Members that `fields` may
// leave out are optional in the generated types, so the page reads them with fallbacks.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Article = components["schemas"]["ArticleDetail"];
type Summary = components["schemas"]["ArticleSummary"];
type Comment = components["schemas"]["PublicComment"];
type Problem = components["schemas"]["Problem"];
type Site = components["schemas"]["SiteView"];
type Head = components["schemas"]["ArticleHead"];

export interface StoryPage {
  article: Article;
  /** Site name, logo, main navigation and the "Stay Connected" links: nothing hard-coded. */
  site: Site;
  /** `<title>`, description, canonical URL, robots and Open Graph values for the `<head>`. */
  head: Head;
  /** One `<script type="application/ld+json">` each (NewsArticle, BreadcrumbList). */
  jsonLd: string[];
  /** "By Agencies", or the credited authors' names. */
  bylineLine: string;
  /** "Home > World News" */
  breadcrumb: string[];
  /** "Sources: By Agencies" */
  sourcesLine: string;
  /** "3 min read" */
  readingTime: string;
  related: Summary[];
  latest: Summary[];
  /** Stories an editor pinned under this one, in the order pinned. */
  pinned: Summary[];
  /** Pinned slugs that no public article has (unpublished or renamed since). */
  pinnedMissing: string[];
  comments: Comment[];
}

/** What a card shows: headline, link, time, thumbnail and comment count. */
const CARD_FIELDS: components["schemas"]["SummaryField"][] = ["slug", "headline", "url", "published_at"];
const CARD_EMBEDS: components["schemas"]["Embed"][] = ["featured_image", "comment_count"];

export function client(baseUrl: string) {
  // Lists of slugs and member names go as `exclude=a,b` (the spec's `explode: false`).
  return createClient<paths>({ baseUrl, querySerializer: { array: { style: "form", explode: false } } });
}

export async function loadStoryPage(baseUrl: string, slug: string, pinnedSlugs: string[] = []): Promise<StoryPage> {
  const api = client(baseUrl);
  const cards = { fields: CARD_FIELDS, include: CARD_EMBEDS };
  const [article, site, related, latest, pinned, comments] = await Promise.all([
    api.GET("/api/v1/articles/{slug}", { params: { path: { slug } } }),
    api.GET("/api/v1/site"),
    api.GET("/api/v1/articles/{slug}/related", { params: { path: { slug }, query: { limit: 4, ...cards } } }),
    // "Latest posts" except the story on the page: one call, no client-side filtering.
    api.GET("/api/v1/articles", { params: { query: { per_page: 5, exclude: [slug], ...cards } } }),
    pinnedSlugs.length > 0
      ? api.GET("/api/v1/articles", { params: { query: { slug: pinnedSlugs, ...cards } } })
      : Promise.resolve(undefined),
    api.GET("/api/v1/articles/{slug}/comments", { params: { path: { slug }, query: { page: 1 } } }),
  ]);
  if (!article.data) {
    throw new Error(`article ${slug}: ${describe(article.error)}`);
  }
  if (!site.data) {
    throw new Error(`site settings: ${describe(site.error)}`);
  }
  const story = article.data;
  if (!story.head) {
    throw new Error(`article ${slug}: the whole article was asked for, but it has no head`);
  }
  const authors = (story.authors ?? []).map((author) => author.display_name).join(" and ");
  return {
    article: story,
    site: site.data,
    head: story.head,
    // `<` escaped, so that no text in the data (a headline with "</script>") can end the tag.
    jsonLd: (story.structured_data ?? []).map((item) => JSON.stringify(item).replaceAll("<", "\\u003c")),
    bylineLine: story.byline ?? (authors ? `By ${authors}` : ""),
    readingTime: `${story.reading_time_minutes ?? 1} min read`,
    breadcrumb: ["Home", ...(story.section?.breadcrumb ?? []).map((crumb) => crumb.name)],
    sourcesLine: `Sources: ${(story.sources ?? []).map((source) => `By ${source.name}`).join(", ")}`,
    related: related.data?.data ?? [],
    latest: latest.data?.data ?? [],
    pinned: pinned?.data?.data ?? [],
    pinnedMissing: pinned?.data?.meta.missing ?? [],
    comments: comments.data?.data ?? [],
  };
}

/** Submits the page's comment form; answers the messages to show next to the fields. */
export async function submitComment(
  baseUrl: string,
  slug: string,
  form: { name: string; comment: string; email?: string; replyTo?: number },
): Promise<{ status: string } | { fieldErrors: Record<string, string> }> {
  const { data, error } = await client(baseUrl).POST("/api/v1/articles/{slug}/comments", {
    params: { path: { slug } },
    body: {
      author_name: form.name,
      body: form.comment,
      author_email: form.email ?? null,
      parent_id: form.replyTo ?? null,
    },
  });
  if (data) {
    // "pending": held for moderation; "approved": shown at once.
    return { status: data.status };
  }
  // "Please enter your name here", "Please enter your comment!"
  const fieldErrors: Record<string, string> = {};
  for (const fieldError of error?.errors ?? []) {
    fieldErrors[fieldError.field] = fieldError.message;
  }
  return { fieldErrors };
}

function describe(problem: Problem | undefined): string {
  return problem ? `${problem.status} ${problem.title}: ${problem.detail}` : "no answer";
}

/** Comments are plain text: escape before putting them into HTML. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
