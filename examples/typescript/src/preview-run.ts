// Runs draft-preview.ts against a live server: an editor writes a draft and makes a preview
// link; the link shows the draft as it will be published, to a reader without an account, and
// not after it is revoked. Exits non-zero on any difference.
//   node dist/preview-run.js BASE_URL EMAIL PASSWORD
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { createPreviewLink, loadPreview, previewUrl, revokePreviewLink } from "./draft-preview.js";

async function main(): Promise<void> {
  const [baseUrl, email, password] = process.argv.slice(2);
  if (!baseUrl || !email || !password) {
    throw new Error("usage: preview-run BASE_URL EMAIL PASSWORD");
  }
  const login = await createClient<paths>({ baseUrl }).POST("/api/v1/auth/login", { body: { email, password } });
  if (!login.data) {
    throw new Error(`login: ${login.error?.detail}`);
  }
  const token = login.data.access_token;
  const editor = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const headline = `A draft to preview ${Date.now()}`;
  const draft = await editor.POST("/api/v1/articles", {
    body: { headline, section: "world-news", body: "<p>Not yet published.</p>" },
  });
  if (!draft.data) {
    throw new Error(`draft: ${draft.error?.detail}`);
  }
  const slug = draft.data.slug ?? "";
  const link = await createPreviewLink(baseUrl, token, slug, { hours: 2 });
  console.log(`preview link ${link.link.id} until ${link.link.expires_at}: ${previewUrl("https://news.example.com", link)}`);

  const publicRead = await fetch(`${baseUrl}/api/v1/articles/${slug}`);
  if (publicRead.status !== 404) {
    throw new Error(`the draft is public: HTTP ${publicRead.status}`);
  }
  const raw = await fetch(`${baseUrl}/api/v1/articles/${slug}`, { headers: { "Preview-Token": link.token } });
  if (raw.headers.get("cache-control") !== "private, no-store") {
    throw new Error(`a preview must not be cached: ${raw.headers.get("cache-control")}`);
  }
  const shown = await loadPreview(baseUrl, slug, link.token);
  if (!shown || shown.headline !== headline || shown.status !== "published") {
    throw new Error(`the preview does not show the draft as published: ${JSON.stringify(shown)}`);
  }
  console.log(`previewed "${shown.headline}" as ${shown.status}, ${shown.published_at}`);

  await revokePreviewLink(baseUrl, token, link.link.id);
  if ((await loadPreview(baseUrl, slug, link.token)) !== null) {
    throw new Error("a revoked link still opens the draft");
  }
  console.log("revoked: the link no longer opens the draft");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
