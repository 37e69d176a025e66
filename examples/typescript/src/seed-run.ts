// Runs seed-page.ts against a live server with the seed story imported: each block is one call,
// "Latest posts" leaves out the story itself, and pinned stories come in the order asked with
// the missing ones named. Exits non-zero on any difference.
//   node dist/seed-run.js BASE_URL SLUG
import { loadStoryPage } from "./seed-page.js";

async function main(): Promise<void> {
  const [baseUrl, slug] = process.argv.slice(2);
  if (!baseUrl || !slug) {
    throw new Error("usage: seed-run BASE_URL SLUG");
  }
  const page = await loadStoryPage(baseUrl, slug, ["no-such-story", slug]);
  if (page.latest.some((card) => card.slug === slug)) {
    throw new Error("Latest posts shows the story on the page");
  }
  if (page.pinned.map((card) => card.slug).join() !== slug || page.pinnedMissing.join() !== "no-such-story") {
    throw new Error(`pinned: ${JSON.stringify(page.pinned)} missing ${JSON.stringify(page.pinnedMissing)}`);
  }
  const card = page.pinned[0];
  if (card?.comment_count === undefined || card.featured_image === undefined || card.summary !== undefined) {
    throw new Error(`a card carries what it asked for and nothing more: ${JSON.stringify(card)}`);
  }
  console.log(`${page.article.headline}: ${page.breadcrumb.join(" > ")}; ${page.bylineLine}; ${page.sourcesLine}`);
  console.log(`latest ${page.latest.length}, related ${page.related.length}, pinned ${page.pinned.length}, missing ${page.pinnedMissing}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
