// Builds the seed story page ("Pakistan and Iran Announce De-escalation Agreement...") from
// Dateline's public API alone, with a client generated from openapi/openapi.json. Every call
// and every field below is checked by `tsc` against the spec: a change to the contract that
// breaks this page breaks `npm run check`.
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
  comments: Comment[];
}

export function client(baseUrl: string) {
  return createClient<paths>({ baseUrl });
}

export async function loadStoryPage(baseUrl: string, slug: string): Promise<StoryPage> {
  const api = client(baseUrl);
  const [article, site, related, latest, comments] = await Promise.all([
    api.GET("/api/v1/articles/{slug}", { params: { path: { slug } } }),
    api.GET("/api/v1/site"),
    api.GET("/api/v1/articles/{slug}/related", { params: { path: { slug }, query: { limit: 4 } } }),
    api.GET("/api/v1/articles", { params: { query: { per_page: 5, sort: "-published_at" } } }),
    api.GET("/api/v1/articles/{slug}/comments", { params: { path: { slug }, query: { page: 1 } } }),
  ]);
  if (!article.data) {
    throw new Error(`article ${slug}: ${describe(article.error)}`);
  }
  if (!site.data) {
    throw new Error(`site settings: ${describe(site.error)}`);
  }
  const story = article.data;
  const authors = story.authors.map((author) => author.display_name).join(" and ");
  return {
    article: story,
    site: site.data,
    head: story.head,
    // `<` escaped, so that no text in the data (a headline with "</script>") can end the tag.
    jsonLd: story.structured_data.map((item) => JSON.stringify(item).replaceAll("<", "\\u003c")),
    bylineLine: story.byline ?? (authors ? `By ${authors}` : ""),
    readingTime: `${story.reading_time_minutes} min read`,
    breadcrumb: ["Home", ...article.data.section.breadcrumb.map((crumb) => crumb.name)],
    sourcesLine: `Sources: ${article.data.sources.map((source) => `By ${source.name}`).join(", ")}`,
    related: related.data?.data ?? [],
    latest: latest.data?.data ?? [],
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
