// A search results page from Dateline's ranked search, in one call: hits most relevant first
// with highlighted snippets, counts per section and per tag (facets) to narrow the search,
// and the filters the article list takes. `snippet` and `headline_highlighted` are safe HTML
// (matches in <mark>, everything else escaped by the server); every other text is plain and
// must be escaped when rendered.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Facet = components["schemas"]["FacetCount"];

export interface SearchResult {
  slug: string;
  url: string;
  /** Safe HTML: the headline with its matches marked, or the escaped headline. */
  headlineHtml: string;
  /** Safe HTML: about 30 words around the matches. */
  snippetHtml: string;
  publishedAt: string | null;
  thumbnail: string | null;
}

export interface SearchPage {
  query: string;
  results: SearchResult[];
  /** "42 results", or "1,000+ results" when the search was capped. */
  countLine: string;
  sections: Facet[];
  tags: Facet[];
  nextPage: number | null;
}

export interface SearchFilters {
  section?: string[];
  tag?: string[];
  page?: number;
}

export async function searchPage(baseUrl: string, query: string, filters: SearchFilters = {}): Promise<SearchPage> {
  const api = createClient<paths>({ baseUrl, querySerializer: { array: { style: "form", explode: false } } });
  const { data, error } = await api.GET("/api/v1/search", {
    params: {
      query: { q: query, per_page: 10, include: ["featured_image"], ...filters },
    },
  });
  if (!data) {
    // 400 names the parameter at fault (`q` blank or too long, a malformed filter).
    throw new Error(`search "${query}": ${error?.status} ${error?.errors?.map((e) => `${e.field}: ${e.message}`).join("; ")}`);
  }
  const { meta, facets } = data;
  return {
    query,
    results: data.data.map((hit) => ({
      slug: hit.slug ?? "",
      url: hit.url ?? "",
      headlineHtml: hit.headline_highlighted ?? escapeHtml(hit.headline ?? ""),
      snippetHtml: hit.snippet,
      publishedAt: hit.published_at ?? null,
      thumbnail: hit.featured_image?.url ?? null,
    })),
    countLine: meta.total_exact ? `${meta.total} results` : `${meta.total.toLocaleString("en")}+ results`,
    sections: facets.sections,
    tags: facets.tags,
    nextPage: meta.has_more ? meta.page + 1 : null,
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}
