// Uploads a photograph to the media library and makes it an article's featured image, with the
// client generated from openapi/openapi.json: the multipart form, the article patch and both
// answers are checked by `tsc` against the spec. `scripts/clients.sh` runs it against a live
// server (src/upload-run.ts).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Media = components["schemas"]["MediaView"];
type Article = components["schemas"]["ArticleDetail"];
type FeaturedImage = components["schemas"]["FeaturedImage"];
type Problem = components["schemas"]["Problem"];
type UploadForm = NonNullable<paths["/api/v1/media"]["post"]["requestBody"]>["content"]["multipart/form-data"];

export interface Photo {
  file: Blob;
  fileName: string;
  alt: string;
  caption?: string;
  credit?: string;
  /** Where the subject is, for crops: 0 to 1 from the top left. */
  focal?: { x: number; y: number };
}

function api(baseUrl: string, token: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

/** Uploads `photo`; the library item, with its variants. */
export async function uploadPhoto(baseUrl: string, token: string, photo: Photo): Promise<Media> {
  const form: UploadForm = {
    // The file part is appended as a Blob by the serializer below.
    file: "",
    alt: photo.alt,
    caption: photo.caption,
    credit: photo.credit,
    focal_x: photo.focal?.x,
    focal_y: photo.focal?.y,
  };
  const { data, error } = await api(baseUrl, token).POST("/api/v1/media", {
    body: form,
    bodySerializer(fields) {
      const body = new FormData();
      for (const [name, value] of Object.entries(fields)) {
        if (name !== "file" && value !== undefined && value !== null) {
          body.append(name, String(value));
        }
      }
      body.append("file", photo.file, photo.fileName);
      return body;
    },
  });
  if (!data) {
    throw new Error(`upload: ${describe(error)}`);
  }
  return data;
}

/** Makes `media` the featured image of the article `slug` (If-Match: the version read). */
export async function feature(baseUrl: string, token: string, slug: string, media: Media): Promise<Article> {
  const client = api(baseUrl, token);
  const current = await client.GET("/api/v1/articles/{slug}", { params: { path: { slug } } });
  const etag = current.response.headers.get("ETag");
  if (!current.data || !etag) {
    throw new Error(`article ${slug}: ${describe(current.error)}`);
  }
  const { data, error } = await client.PATCH("/api/v1/articles/{slug}", {
    params: { path: { slug }, header: { "If-Match": etag } },
    body: { featured_media: media.id },
  });
  if (!data) {
    throw new Error(`feature on ${slug}: ${describe(error)}`);
  }
  return data;
}

/** `<picture>` for a featured image: a WebP `srcset`, the JPEG/PNG one on the `<img>`. */
export function picture(image: FeaturedImage, sizes: string): string {
  const set = (formats: string[]) =>
    image.variants
      .filter((v) => formats.includes(v.format))
      .map((v) => `${v.url} ${v.width}w`)
      .join(", ");
  const attr = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return (
    `<picture><source type="image/webp" srcset="${attr(set(["webp"]))}" sizes="${attr(sizes)}">` +
    `<img src="${attr(image.url)}" srcset="${attr(set(["jpeg", "png"]))}" sizes="${attr(sizes)}" ` +
    `width="${image.width}" height="${image.height}" alt="${attr(image.alt)}" ` +
    `style="object-position: ${image.focal_point.x * 100}% ${image.focal_point.y * 100}%"></picture>`
  );
}

function describe(problem: Problem | undefined): string {
  if (!problem) {
    return "no answer";
  }
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return `${problem.status} ${problem.detail}${fields ? ` (${fields})` : ""}`;
}
