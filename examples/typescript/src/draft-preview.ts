// Draft preview with Dateline's preview links, as a frontend's "draft mode" uses them (Next.js
// `draftMode()`, Nuxt's preview mode: see the README). An editor makes a link in the editorial
// tool; the frontend's preview route receives its token, switches the browser into draft mode
// and the story page then reads the article with the token instead of the public read. No
// editor password is stored in the frontend: the token opens one article, expires, and can be
// revoked at once.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type CreatedPreview = components["schemas"]["CreatedPreview"];
type Article = components["schemas"]["ArticleDetail"];

function api(baseUrl: string, token?: string) {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

/** In the editorial tool: a link for `slug` (or one of its revisions), valid for `hours`. */
export async function createPreviewLink(
  baseUrl: string,
  editorToken: string,
  slug: string,
  options: { revision?: number; hours?: number } = {},
): Promise<CreatedPreview> {
  const { data, error } = await api(baseUrl, editorToken).POST("/api/v1/articles/{slug}/previews", {
    params: { path: { slug } },
    body: { revision: options.revision ?? null, expires_in_hours: options.hours ?? null },
  });
  if (!data) {
    throw new Error(`preview link for ${slug}: ${error?.status} ${error?.detail}`);
  }
  return data;
}

/** The frontend's preview URL for a link: its preview route checks the token and redirects. */
export function previewUrl(siteUrl: string, link: CreatedPreview): string {
  const query = new URLSearchParams({ slug: link.slug, token: link.token });
  return `${siteUrl}/api/preview?${query}`;
}

/**
 * The story page in draft mode: the article as the public will see it once published. The
 * answer is `private, no-store`; never keep it in a shared cache. `null` when the link no
 * longer opens it (expired or revoked: 403) or the slug is not the link's article (404).
 */
export async function loadPreview(baseUrl: string, slug: string, previewToken: string): Promise<Article | null> {
  const { data, response } = await api(baseUrl).GET("/api/v1/articles/{slug}", {
    params: { path: { slug }, query: { preview_token: previewToken } },
    cache: "no-store",
  });
  if (response.status === 403 || response.status === 404) {
    return null;
  }
  if (!data) {
    throw new Error(`preview of ${slug}: HTTP ${response.status}`);
  }
  return data;
}

/** In the editorial tool: a link stops working at once. */
export async function revokePreviewLink(baseUrl: string, editorToken: string, id: number): Promise<void> {
  const { response } = await api(baseUrl, editorToken).DELETE("/api/v1/previews/{id}", {
    params: { path: { id } },
  });
  if (response.status !== 204) {
    throw new Error(`revoking preview link ${id}: HTTP ${response.status}`);
  }
}
