// Runs upload-image.ts against a live server: logs in, uploads a photograph, features it on an
// article, and checks that the public article carries it.
//   node dist/upload-run.js BASE_URL EMAIL PASSWORD ARTICLE_SLUG IMAGE_FILE
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { feature, picture, uploadPhoto } from "./upload-image.js";

async function main(): Promise<void> {
  const [baseUrl, email, password, slug, file] = process.argv.slice(2);
  if (!baseUrl || !email || !password || !slug || !file) {
    throw new Error("usage: upload-run BASE_URL EMAIL PASSWORD ARTICLE_SLUG IMAGE_FILE");
  }
  const api = createClient<paths>({ baseUrl });
  const login = await api.POST("/api/v1/auth/login", { body: { email, password } });
  if (!login.data) {
    throw new Error(`login: ${login.error?.detail}`);
  }
  const token = login.data.access_token;
  const bytes = await readFile(file);
  const media = await uploadPhoto(baseUrl, token, {
    file: new Blob([bytes], { type: "image/jpeg" }),
    fileName: basename(file),
    alt: "A sun over hills",
    caption: "Uploaded by the generated TypeScript client.",
    credit: "Dateline examples",
    focal: { x: 0.5, y: 0.4 },
  });
  console.log(`uploaded media ${media.id}: ${media.width}x${media.height}, ${media.variants.length} variants`);
  await feature(baseUrl, token, slug, media);
  const published = await api.GET("/api/v1/articles/{slug}", { params: { path: { slug } } });
  const image = published.data?.featured_image;
  if (!image || image.id !== media.id || image.credit !== "Dateline examples" || image.variants.length === 0) {
    throw new Error(`the public article does not show the image: ${JSON.stringify(published.data?.featured_image)}`);
  }
  console.log(picture(image, "(max-width: 800px) 100vw, 800px"));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
