// The pages. Each loads what it shows from the API (all calls of a page in parallel, each
// conditional through the ETag cache) and returns the HTML with its status. Nothing on a page
// is written here but labels: every text of the content comes from the API. A page makes one
// or two calls of its own; the site settings and the section tree, which every page shows and
// which rarely change, are revalidated at most every READER_SITE_TTL_SECS, not per page.
import {
  CARD_FIELDS,
  LINK_FIELDS,
  need,
  SiteWide,
  type Api,
  type Article,
  type Card,
  type Comment,
  type Schemas,
  type Site,
} from "./api.js";
import {
  type Assets,
  type Html,
  card,
  html,
  linkList,
  localPath,
  page,
  picture,
  raw,
  stayConnected,
  time,
} from "./html.js";

export interface Rendered {
  status: number;
  body: string;
  /** How many API calls the page made (all in parallel). */
  calls: number;
  /** Milliseconds spent making the HTML once the API had answered. */
  htmlMs?: number;
}

/** What the comment form shows after a submission: values kept, messages by field. */
export interface CommentFormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  general?: string;
  notice?: string;
}

export class Pages {
  /** The site settings (name, logo, navigation, time zone, permalink). */
  private readonly settings: SiteWide<Site>;
  /** The section tree (the home page's menu). */
  private readonly tree: SiteWide<Schemas["SectionList"]["data"]>;

  constructor(
    private readonly api: Api,
    private readonly assets: Assets,
    /** How long a read of the site-wide answers is used before it is revalidated. */
    siteTtlMs = 30_000,
  ) {
    this.settings = new SiteWide(() => this.api.GET("/api/v1/site").then((result) => need("site settings", result)), siteTtlMs);
    this.tree = new SiteWide(
      () => this.api.GET("/api/v1/sections", { params: { query: { per_page: 100 } } }).then((result) => need("sections", result).data),
      siteTtlMs,
    );
  }

  /** The site settings, for routing (the permalink) and for pages that show nothing else. */
  async site(): Promise<Site> {
    return (await this.settings.get()).value;
  }

  // ---- article ---------------------------------------------------------------------------

  async article(slug: string, form: CommentFormState, commentsPage = 1): Promise<Rendered & { article: Article; site: Site }> {
    const linkCards = { fields: LINK_FIELDS };
    // The story with its related cards and first page of comments is one call; "Latest posts"
    // the other. A later page of comments (`?comments_page=2`) is a call of its own.
    const later = commentsPage > 1;
    const [articleResult, settings, latest, laterComments] = await Promise.all([
      this.api.GET("/api/v1/articles/{slug}", {
        params: { path: { slug }, query: { include: later ? ["related"] : ["related", "comments"] } },
      }),
      this.settings.get(),
      // "Latest posts" without the story on the page: one call, nothing filtered here.
      this.api.GET("/api/v1/articles", { params: { query: { per_page: 5, exclude: [slug], ...linkCards } } }),
      later
        ? this.api.GET("/api/v1/articles/{slug}/comments", { params: { path: { slug }, query: { page: commentsPage } } })
        : Promise.resolve(undefined),
    ]);
    const htmlStarted = performance.now();
    const site = settings.value;
    const story = need(`article ${slug}`, articleResult);
    const comments = later ? laterComments?.data : story.comments;
    const body = this.articleBody(site, story, {
      related: story.related ?? [],
      latest: latest.data?.data ?? [],
      comments: comments?.data ?? [],
      commentsMore: comments?.meta.has_more ? commentsPage + 1 : null,
      form,
    });
    const markup = page(
      { site, title: story.head?.title ?? story.headline ?? "", head: this.articleHead(site, story), body, scripts: ["/assets/comments.js"], socialInPage: true },
      this.assets,
    );
    return {
      status: form.general || Object.keys(form.errors).length ? 422 : 200,
      body: markup,
      calls: 2 + Number(later) + Number(settings.called),
      htmlMs: performance.now() - htmlStarted,
      article: story,
      site,
    };
  }

  private articleHead(site: Site, story: Article): Html {
    const head = story.head;
    const image = story.featured_image;
    const sectionFeed = story.section ? `${site.base_url}/feeds/sections/${story.section.slug}/rss` : null;
    // `<` escaped so that no text in the data ("</script>") can end the element.
    const jsonLd = (story.structured_data ?? []).map(
      (item) => html`<script type="application/ld+json">${raw(JSON.stringify(item).replaceAll("<", "\\u003c"))}</script>`,
    );
    return html`${head?.description ? html`<meta name="description" content="${head.description}">` : ""}
<link rel="canonical" href="${head?.canonical_url ?? story.url ?? ""}">
<meta name="robots" content="${head?.robots ?? "index, follow"}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="${site.name}">
<meta property="og:title" content="${head?.social_title ?? story.headline ?? ""}">
${head?.social_description ? html`<meta property="og:description" content="${head.social_description}">` : ""}
<meta property="og:url" content="${head?.canonical_url ?? story.url ?? ""}">
${head?.social_image_url ? html`<meta property="og:image" content="${head.social_image_url}">` : ""}
${image && head?.social_image_url && absolute(site, image.url) === head.social_image_url ? html`<meta property="og:image:width" content="${image.width}"><meta property="og:image:height" content="${image.height}">${image.alt ? html`<meta property="og:image:alt" content="${image.alt}">` : ""}` : ""}
${site.language.includes("-") ? html`<meta property="og:locale" content="${site.language.replace("-", "_")}">` : ""}
${story.published_at ? html`<meta property="article:published_time" content="${story.published_at}">` : ""}
${story.section ? html`<meta property="article:section" content="${story.section.name}">` : ""}
${(story.tags ?? []).map((tag) => html`<meta property="article:tag" content="${tag.name}">`)}
<meta name="twitter:card" content="${head?.social_image_url ? "summary_large_image" : "summary"}">
${sectionFeed && story.section ? html`<link rel="alternate" type="application/rss+xml" title="${story.section.name} (RSS)" href="${sectionFeed}">` : ""}
${jsonLd}`;
  }

  private articleBody(
    site: Site,
    story: Article,
    blocks: { related: Card[]; latest: Card[]; comments: Comment[]; commentsMore: number | null; form: CommentFormState },
  ): Html {
    const path = localPath(site, story.url);
    const crumbs = story.section?.breadcrumb ?? [];
    const image = story.featured_image;
    const byline = story.byline
      ? html`${story.byline}`
      : (story.authors ?? []).length
        ? html`By ${joinHtml(
            (story.authors ?? []).map((author) =>
              author.url ? html`<a href="${localPath(site, author.url)}" rel="author">${author.display_name}</a>` : html`${author.display_name}`,
            ),
          )}`
        : null;
    const sources = story.sources ?? [];
    return html`<div class="layout">
<article class="story" aria-labelledby="headline">
<nav class="breadcrumb" aria-label="Breadcrumb"><ol>
<li><a href="/">Home</a></li>
${crumbs.map((crumb) => html`<li><a href="${localPath(site, sectionUrl(site, crumb.slug))}">${crumb.name}</a></li>`)}
</ol></nav>
<header class="story-header">
<h1 id="headline">${story.headline}</h1>
${story.alternative_headline ? html`<p class="alternative-headline">${story.alternative_headline}</p>` : ""}
<p class="story-meta">${time(site, story.published_at, true)}${byline ? html` <span class="byline">${byline}</span>` : ""}${story.reading_time_minutes ? html` <span class="reading-time">${story.reading_time_minutes} min read</span>` : ""}</p>
</header>
${image ? html`<figure class="featured">${picture(image, "(max-width: 760px) 100vw, 720px", { priority: true })}${image.caption || image.credit ? html`<figcaption>${image.caption ? html`<span class="caption">${image.caption}</span> ` : ""}${image.credit ? html`<span class="credit">${image.credit}</span>` : ""}</figcaption>` : ""}</figure>` : ""}
<div class="story-body">${raw(story.body ?? "")}</div>
${(story.corrections ?? []).length ? html`<aside class="corrections" aria-label="Corrections"><h2>Corrections</h2><ul>${(story.corrections ?? []).map((c) => html`<li>${time(site, c.created_at)} ${c.text}</li>`)}</ul></aside>` : ""}
${(story.tags ?? []).length ? html`<nav class="tags" aria-label="Tags"><h2 class="visually-hidden">Tags</h2><ul>${(story.tags ?? []).map((tag) => html`<li><a href="/tag/${encodeURIComponent(tag.slug)}" rel="tag">${tag.name}</a></li>`)}</ul></nav>` : ""}
${sources.length ? html`<p class="sources"><span class="label">Sources:</span> ${joinHtml(sources.map((source) => html`<a href="/source/${encodeURIComponent(source.slug)}">By ${source.name}</a>`))}</p>` : ""}
${blocks.related.length ? html`<section class="related" aria-labelledby="related-heading"><h2 id="related-heading">Related articles</h2><div class="related-grid">${blocks.related.map((item) => card(site, item, { level: 3 }))}</div></section>` : ""}
${this.comments(site, story, path, blocks.comments, blocks.commentsMore, blocks.form)}
</article>
<aside class="sidebar">
${stayConnected(site)}
${blocks.latest.length ? html`<section class="latest" aria-labelledby="latest-heading"><h2 id="latest-heading">Latest posts</h2>${linkList(site, blocks.latest)}</section>` : ""}
</aside>
</div>`;
  }

  private comments(
    site: Site,
    story: Article,
    path: string,
    comments: Comment[],
    more: number | null,
    form: CommentFormState,
  ): Html {
    const count = story.comment_count ?? 0;
    const replyTo = form.values.parent_id ?? "";
    const thread = (items: Comment[], depth: number): Html =>
      html`<ol class="${depth === 0 ? "comment-list" : "replies"}">${items.map(
        (comment) => html`<li id="comment-${comment.id}" class="comment">
<article aria-labelledby="comment-${comment.id}-author">
<p class="comment-meta"><strong id="comment-${comment.id}-author">${comment.author_name}</strong> ${time(site, comment.created_at)}</p>
<div class="comment-body">${comment.body.split(/\n{2,}/).map((para) => html`<p>${joinHtml(para.split("\n").map((line) => html`${line}`), html`<br>`)}</p>`)}</div>
${story.comments_enabled && depth < 3 ? html`<p class="reply"><a href="${path}?reply_to=${comment.id}#respond" data-reply-to="${comment.id}" aria-label="Reply to ${comment.author_name}">Reply</a></p>` : ""}
</article>
${comment.replies.length ? thread(comment.replies, depth + 1) : ""}
</li>`,
      )}</ol>`;
    const field = (name: string, label: string, control: Html) => {
      const message = form.errors[name];
      return html`<div class="field${message ? " invalid" : ""}"><label for="f-${name}">${label}</label>${control}<p class="error" id="f-${name}-error"${message ? "" : raw(" hidden")}>${message ?? ""}</p></div>`;
    };
    const invalid = (name: string) => (form.errors[name] ? raw(' aria-invalid="true"') : "");
    return html`<section class="comments" aria-labelledby="comments-heading">
<h2 id="comments-heading">${count === 1 ? "1 comment" : `${count} comments`}</h2>
${comments.length ? thread(comments, 0) : ""}
${more ? html`<p><a href="${path}?comments_page=${more}#comments-heading">More comments</a></p>` : ""}
${story.comments_enabled
  ? html`<div id="respond" class="comment-form">
<h2 id="respond-heading">Leave a comment</h2>
<form method="post" action="${path}#respond" novalidate data-comment-form aria-labelledby="respond-heading">
<p class="form-status${form.general ? " error" : ""}" role="status" aria-live="polite"${form.notice || form.general ? "" : raw(" hidden")}>${form.notice ?? form.general ?? ""}</p>
<p class="replying"${replyTo ? "" : raw(" hidden")}>Replying to comment <a href="#comment-${replyTo}">#${replyTo}</a> · <a href="${path}#respond" data-cancel-reply>Cancel reply</a></p>
<input type="hidden" name="parent_id" value="${replyTo}">
${field("body", "Comment", html`<textarea id="f-body" name="body" rows="6" maxlength="2000" aria-required="true" aria-describedby="f-body-error"${invalid("body")}>${form.values.body ?? ""}</textarea>`)}
${field("author_name", "Name", html`<input id="f-author_name" name="author_name" autocomplete="name" maxlength="100" aria-required="true" aria-describedby="f-author_name-error" value="${form.values.author_name ?? ""}"${invalid("author_name")}>`)}
${field("author_email", "Email (optional, never shown)", html`<input id="f-author_email" name="author_email" type="email" autocomplete="email" aria-describedby="f-author_email-error" value="${form.values.author_email ?? ""}"${invalid("author_email")}>`)}
${form.errors.parent_id ? html`<p class="error">${form.errors.parent_id}</p>` : ""}
<button type="submit">Post Comment</button>
</form>
</div>`
  : html`<p class="comments-closed">Comments are closed.</p>`}
</section>`;
  }

  // ---- lists: home, section, tag, source, author ------------------------------------------

  async home(): Promise<Rendered> {
    const [settings, latest, sections] = await Promise.all([
      this.settings.get(),
      this.api.GET("/api/v1/articles", { params: { query: { per_page: 12, fields: CARD_FIELDS } } }),
      this.tree.get(),
    ]);
    const site = settings.value;
    const stories = need("latest articles", latest).data;
    const tree = sections.value;
    const [lead, ...rest] = stories;
    const body = html`<h1 class="visually-hidden">${site.name}</h1>
<div class="layout">
<div>
${lead ? html`<section class="lead" aria-label="Top story">${card(site, lead, { level: 2, priority: true })}</section>` : html`<p>No stories yet.</p>`}
${rest.length ? html`<section aria-labelledby="latest-heading"><h2 id="latest-heading">Latest posts</h2><div class="grid">${rest.map((story) => card(site, story, { level: 3 }))}</div></section>` : ""}
</div>
<aside class="sidebar">
${tree.length ? html`<nav class="sections" aria-labelledby="sections-heading"><h2 id="sections-heading">Sections</h2><ul>${tree.map((section) => html`<li class="depth-${section.depth}"><a href="${localPath(site, section.url)}">${section.name}</a></li>`)}</ul></nav>` : ""}
</aside>
</div>`;
    const head = html`${site.description ? html`<meta name="description" content="${site.description}">` : ""}
<link rel="canonical" href="${site.base_url}/">
<meta property="og:type" content="website">
<meta property="og:site_name" content="${site.name}">
<meta property="og:title" content="${site.name}">
<meta property="og:url" content="${site.base_url}/">
${site.social_image_url ? html`<meta property="og:image" content="${absolute(site, site.social_image?.url ?? site.social_image_url)}">` : ""}`;
    const calls = 1 + Number(settings.called) + Number(sections.called);
    return { status: 200, body: page({ site, title: site.name, head, body }, this.assets), calls };
  }

  async section(slug: string, cursor: string | undefined): Promise<Rendered> {
    const [settings, sectionResult, list] = await Promise.all([
      this.settings.get(),
      this.api.GET("/api/v1/sections/{slug}", { params: { path: { slug } } }),
      this.api.GET("/api/v1/articles", { params: { query: { section: [slug], per_page: 10, cursor, fields: CARD_FIELDS } } }),
    ]);
    const site = settings.value;
    const section = need(`section ${slug}`, sectionResult);
    const stories = need(`articles of section ${slug}`, list);
    const crumbs = html`<nav class="breadcrumb" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li>${section.breadcrumb
      .slice(0, -1)
      .map((crumb) => html`<li><a href="${localPath(site, sectionUrl(site, crumb.slug))}">${crumb.name}</a></li>`)}</ol></nav>`;
    const children = section.children.length
      ? html`<nav class="subsections" aria-label="Sub-sections"><ul>${section.children.map(
          (child) => html`<li><a href="${localPath(site, sectionUrl(site, child.slug))}">${child.name}</a></li>`,
        )}</ul></nav>`
      : "";
    return this.listPage(site, settings.called, {
      title: section.seo_title ?? `${section.name} - ${site.name}`,
      heading: section.name,
      description: section.meta_description ?? section.description ?? null,
      intro: section.description ?? null,
      canonical: section.url,
      feed: { title: section.name, url: `${site.base_url}/feeds/sections/${section.slug}/rss` },
      before: html`${crumbs}`,
      after: children,
      stories: stories.data,
      meta: stories.meta,
      cursor,
      pathBase: localPath(site, section.url),
    });
  }

  async taxonomy(kind: "tag" | "source" | "author", slug: string, cursor: string | undefined): Promise<Rendered> {
    const query = { per_page: 10, cursor, fields: CARD_FIELDS };
    const [settings, detail, list] = await Promise.all([
      this.settings.get(),
      kind === "tag"
        ? this.api.GET("/api/v1/tags/{slug}", { params: { path: { slug } } }).then((r) => {
            const tag = need(`tag ${slug}`, r);
            return { name: tag.name, url: tag.url, seo: tag.seo_title, description: tag.meta_description ?? tag.description, intro: tag.description, extra: html`` };
          })
        : kind === "source"
          ? this.api.GET("/api/v1/sources/{slug}", { params: { path: { slug } } }).then((r) => {
              const source = need(`source ${slug}`, r);
              return {
                name: source.name,
                url: source.page_url,
                seo: source.seo_title,
                description: source.meta_description,
                intro: null,
                extra: source.url ? html`<p><a href="${source.url}" rel="noopener">${source.url}</a></p>` : html``,
              };
            })
          : this.api.GET("/api/v1/authors/{slug}", { params: { path: { slug } } }).then((r) => {
              const author = need(`author ${slug}`, r);
              return {
                name: author.display_name,
                url: author.url,
                seo: null,
                description: author.bio,
                intro: author.bio,
                extra: html`${author.job_title ? html`<p class="job-title">${author.job_title}</p>` : ""}${author.social_links.length ? html`<ul class="author-links">${author.social_links.map((link) => html`<li><a href="${link.url}" rel="me noopener">${link.label}</a></li>`)}</ul>` : ""}`,
              };
            }),
      this.api.GET("/api/v1/articles", {
        params: { query: kind === "tag" ? { ...query, tag: [slug] } : kind === "source" ? { ...query, source: [slug] } : { ...query, author: [slug] } },
      }),
    ]);
    const site = settings.value;
    const stories = need(`articles of ${kind} ${slug}`, list);
    const scope = kind === "tag" ? "tags" : kind === "source" ? "sources" : "authors";
    return this.listPage(site, settings.called, {
      title: detail.seo ?? `${detail.name} - ${site.name}`,
      heading: detail.name,
      description: detail.description ?? null,
      intro: detail.intro ?? null,
      canonical: detail.url,
      feed: { title: detail.name, url: `${site.base_url}/feeds/${scope}/${slug}/rss` },
      before: html`<p class="kicker">${kind === "tag" ? "Tag" : kind === "source" ? "Source" : "Author"}</p>`,
      after: detail.extra,
      stories: stories.data,
      meta: stories.meta,
      cursor,
      pathBase: localPath(site, detail.url),
    });
  }

  private listPage(
    site: Site,
    siteCalled: boolean,
    options: {
      title: string;
      heading: string;
      description: string | null;
      intro: string | null;
      canonical: string;
      feed: { title: string; url: string };
      before: Html;
      after: Html | "";
      stories: Card[];
      meta: Schemas["ArticleListMeta"];
      cursor: string | undefined;
      pathBase: string;
    },
  ): Rendered {
    const next = options.meta.next_cursor;
    const body = html`${options.before}
<h1>${options.heading}</h1>
${options.intro ? html`<p class="intro">${options.intro}</p>` : ""}
${options.after}
${options.stories.length ? html`<div class="grid">${options.stories.map((story) => card(site, story, { level: 2 }))}</div>` : html`<p>No stories here yet.</p>`}
<nav class="pager" aria-label="Pages">${options.cursor ? html`<a href="${options.pathBase}">Newest</a>` : ""}${next ? html`<a href="${options.pathBase}?cursor=${encodeURIComponent(next)}" rel="next">Older stories</a>` : ""}</nav>`;
    const head = html`${options.description ? html`<meta name="description" content="${options.description}">` : ""}
${options.cursor ? html`<meta name="robots" content="noindex, follow">` : html`<link rel="canonical" href="${options.canonical}">`}
<meta property="og:type" content="website">
<meta property="og:site_name" content="${site.name}">
<meta property="og:title" content="${options.heading}">
<meta property="og:url" content="${options.canonical}">
<link rel="alternate" type="application/rss+xml" title="${options.feed.title} (RSS)" href="${options.feed.url}">`;
    return { status: 200, body: page({ site, title: options.title, head, body }, this.assets), calls: 2 + Number(siteCalled) };
  }

  // ---- search and 404 ---------------------------------------------------------------------

  async search(params: URLSearchParams): Promise<Rendered> {
    const q = (params.get("q") ?? "").trim();
    const section = params.get("section") || undefined;
    const tag = params.get("tag") || undefined;
    const pageNumber = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
    const [settings, result] = await Promise.all([
      this.settings.get(),
      q
        ? this.api.GET("/api/v1/search", {
            params: {
              query: {
                q,
                page: pageNumber,
                per_page: 10,
                section: section ? [section] : undefined,
                tag: tag ? [tag] : undefined,
                fields: CARD_FIELDS,
              },
            },
          })
        : Promise.resolve(undefined),
    ]);
    const site = settings.value;
    const link = (changes: Record<string, string | undefined>) => {
      const next = new URLSearchParams({ q });
      const merged = { section, tag, ...changes };
      for (const [key, value] of Object.entries(merged)) if (value) next.set(key, value);
      return `/search?${next}`;
    };
    let results: Html | string = "";
    let status = 200;
    if (result?.data) {
      const { data: hits, meta, facets } = result.data;
      const facetList = (title: string, key: "section" | "tag", items: Schemas["FacetCount"][], active: string | undefined) =>
        items.length
          ? html`<section class="facet" aria-labelledby="facet-${key}"><h2 id="facet-${key}">${title}</h2><ul>${items.map((item) =>
              item.slug === active
                ? html`<li><strong>${item.name}</strong> (${item.count}) <a href="${link({ [key]: undefined, page: undefined })}">remove filter</a></li>`
                : html`<li><a href="${link({ [key]: item.slug })}">${item.name}</a> (${item.count})</li>`,
            )}</ul></section>`
          : "";
      results = html`<p class="count" role="status">${meta.total_exact ? (meta.total === 1 ? "1 result" : `${meta.total} results`) : `${meta.total}+ results`}</p>
<div class="layout">
<div>${hits.map((hit) =>
        card(site, hit, {
          level: 2,
          snippet: raw(hit.snippet),
          headline: hit.headline_highlighted ? raw(hit.headline_highlighted) : undefined,
        }),
      )}
<nav class="pager" aria-label="Pages">${meta.page > 1 ? html`<a href="${link({ page: String(meta.page - 1) })}" rel="prev">Previous</a>` : ""}${meta.has_more ? html`<a href="${link({ page: String(meta.page + 1) })}" rel="next">Next</a>` : ""}</nav>
</div>
<aside class="sidebar">${facetList("Sections", "section", facets.sections, section)}${facetList("Tags", "tag", facets.tags, tag)}</aside>
</div>`;
    } else if (result) {
      status = result.response.status === 404 ? 404 : 400;
      const problem = result.error as Schemas["Problem"] | undefined;
      results = html`<p class="error" role="alert">${problem?.errors?.map((e) => e.message).join("; ") || problem?.detail || "This search cannot be run."}</p>`;
    }
    const body = html`<h1>${q ? html`Search results for “${q}”` : "Search"}</h1>
<form class="search-page-form" role="search" aria-label="Search again" action="/search" method="get">
<label for="search-q">Search the site</label>
<input id="search-q" type="search" name="q" value="${q}">
<button type="submit">Search</button>
</form>
${results}`;
    const head = html`<meta name="robots" content="noindex, follow">`;
    return {
      status,
      body: page({ site, title: q ? `${q} - Search - ${site.name}` : `Search - ${site.name}`, head, body }, this.assets),
      calls: Number(Boolean(q)) + Number(settings.called),
    };
  }

  async notFound(status = 404): Promise<Rendered> {
    const settings = await this.settings.get();
    const site = settings.value;
    const body = html`<h1>${status === 404 ? "Page not found" : "Bad request"}</h1>
<p>${status === 404 ? "There is no page at this address. It may have been moved or withdrawn." : "This address cannot be read."}</p>
<p><a href="/">Go to the front page</a> or search:</p>
<form role="search" aria-label="Search from here" action="/search" method="get"><label for="nf-q">Search the site</label> <input id="nf-q" type="search" name="q"> <button type="submit">Search</button></form>`;
    return {
      status,
      body: page({ site, title: `${status === 404 ? "Page not found" : "Bad request"} - ${site.name}`, head: html`<meta name="robots" content="noindex">`, body }, this.assets),
      calls: Number(settings.called),
    };
  }
}

/** A section's page URL (`{base_url}/{slug}`), as the API makes it in `GET /sections`. */
function sectionUrl(site: Site, slug: string): string {
  return `${site.base_url}/${slug}`;
}

/** A root-relative media URL made absolute with the site's origin (as the API does in JSON-LD). */
function absolute(site: Site, url: string): string {
  return url.startsWith("/") ? site.base_url + url : url;
}

function joinHtml(items: Html[], separator: Html = html`, `): Html {
  return html`${items.flatMap((item, index) => (index ? [separator, item] : [item]))}`;
}

