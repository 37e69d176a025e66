// Runs search-page.ts against a live server with the seed story imported: the story is found
// by words of its body and by a phrase, its snippet marks the words, the facets count it, and
// a search of common words only finds nothing. Exits non-zero on any difference.
//   node dist/search-run.js BASE_URL SLUG
import { searchPage } from "./search-page.js";

async function main(): Promise<void> {
  const [baseUrl, slug] = process.argv.slice(2);
  if (!baseUrl || !slug) {
    throw new Error("usage: search-run BASE_URL SLUG");
  }
  const page = await searchPage(baseUrl, 'iran "border airstrikes"');
  const first = page.results[0];
  if (!first || first.slug !== slug || !first.snippetHtml.includes("<mark>")) {
    throw new Error(`the seed story is not the first hit: ${JSON.stringify(page.results)}`);
  }
  if (!page.sections.some((facet) => facet.slug === "world-news" && facet.count >= 1)) {
    throw new Error(`the facets do not count the story's section: ${JSON.stringify(page.sections)}`);
  }
  console.log(`${page.countLine}; 1. ${first.headlineHtml}: ${first.snippetHtml}`);
  console.log(`sections: ${page.sections.map((f) => `${f.name} (${f.count})`).join(", ")}; tags: ${page.tags.map((f) => `${f.name} (${f.count})`).join(", ")}`);
  const narrowed = await searchPage(baseUrl, "iran", { section: ["world-news"] });
  if (narrowed.results.length === 0) {
    throw new Error("the section filter lost the story");
  }
  const nothing = await searchPage(baseUrl, "the of and");
  if (nothing.results.length !== 0) {
    throw new Error(`common words alone found ${nothing.results.length} hits`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
