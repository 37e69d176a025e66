// Gives the imported seed story what the seed page shows beside its own text, over the API as
// an editor and an admin would: site settings (name, time zone, logo, navigation, "Stay
// Connected"), a featured image with its credit, other stories (related articles, latest
// posts, a sub-section, a public author), and a draft that must stay unreachable.
import { readFile } from "node:fs/promises";
import { deflateSync } from "node:zlib";
import createClient from "openapi-fetch";
import type { components, paths } from "../src/schema.js";

export type Client = ReturnType<typeof client>;
type Media = components["schemas"]["MediaView"];

export function client(baseUrl: string, token?: string) {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    querySerializer: { array: { style: "form", explode: false } },
  });
}

export async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const { data, error } = await client(baseUrl).POST("/api/v1/auth/login", { body: { email, password } });
  if (!data) throw new Error(`login ${email}: ${JSON.stringify(error)}`);
  return data.access_token;
}

function must<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

async function upload(baseUrl: string, token: string, file: Blob, name: string, fields: Record<string, string>): Promise<Media> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append("file", file, name);
  const response = await fetch(`${baseUrl}/api/v1/media`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form });
  if (response.status !== 201) throw new Error(`upload ${name}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Media;
}

/** A 240x64 PNG wordmark-like logo, drawn here so the test needs no image file of its own. */
export function logoPng(): Buffer {
  const width = 240;
  const height = 64;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      // A red disc with a white ring, then dark bars: enough to be a visible logo.
      const dx = x - 32;
      const dy = y - 32;
      const r = Math.sqrt(dx * dx + dy * dy);
      let rgb = [255, 255, 255];
      if (r < 28) rgb = r > 18 && r < 22 ? [255, 255, 255] : [164, 22, 26];
      else if (x > 72 && x < 232 && ((y > 14 && y < 26) || (y > 38 && y < 50 && x < 180))) rgb = [26, 26, 26];
      row.set(rgb, 1 + x * 3);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

export interface Prepared {
  /** What the test expects to see, as it set it (not fixture text). */
  siteName: string;
  credit: string;
  socialLabels: string[];
  navLabels: string[];
  authorSlug: string;
  draftSlug: string;
  subSection: string;
}

export async function prepare(options: {
  api: string;
  reader: string;
  adminToken: string;
  editorToken: string;
  slug: string;
  photo: string;
}): Promise<Prepared> {
  const { api, adminToken, editorToken, slug } = options;
  const admin = client(api, adminToken);
  const editor = client(api, editorToken);

  // Site settings: the reader is the public website, so canonical URLs point at it.
  const logo = await upload(api, adminToken, new Blob([new Uint8Array(logoPng())], { type: "image/png" }), "logo.png", { alt: "Dateline News" });
  const siteName = "Dateline News";
  const social = [
    { network: "facebook", label: "Facebook", url: "https://www.facebook.com/datelinenews" },
    { network: "x", label: "X", url: "https://x.com/datelinenews" },
    { network: "youtube", label: "YouTube", url: "https://www.youtube.com/@datelinenews" },
    { network: "instagram", label: "Instagram", url: "https://www.instagram.com/datelinenews" },
  ];
  // Sections: a sub-section of World News and a second top-level section.
  for (const section of [
    { name: "Asia", slug: "asia", parent: "world-news" },
    { name: "Business", slug: "business", parent: null },
  ]) {
    const result = await editor.POST("/api/v1/sections", { body: section });
    if (!result.data && result.response.status !== 409) must(`section ${section.slug}`, result);
  }
  must(
    "site settings",
    await admin.PATCH("/api/v1/site", {
      body: {
        name: siteName,
        description: "News from Pakistan and the world",
        base_url: options.reader,
        language: "en",
        time_zone: "Asia/Karachi",
        logo_media: logo.id,
        navigation: [
          { label: "World News", section: "world-news" },
          { label: "Asia", section: "asia" },
          { label: "Business", section: "business" },
        ],
        social_links: social,
      },
    }),
  );

  // A public author profile, credited on some stories.
  const me = must("me", await editor.GET("/api/v1/auth/me"));
  const authorSlug = "sam-reporter";
  must(
    "profile",
    await editor.PUT("/api/v1/users/{id}/profile", {
      params: { path: { id: me.id } },
      body: { slug: authorSlug, bio: "Covers South Asia for the desk.", job_title: "Correspondent", public: true, social_links: [] },
    }),
  );

  // The featured image of the seed story, with its credit.
  const credit = "Reuters / Example Photographer";
  const photo = await upload(api, editorToken, new Blob([new Uint8Array(await readFile(options.photo))], { type: "image/jpeg" }), "photo.jpg", {
    alt: "Officials shake hands after the talks",
    caption: "Officials meet after the talks.",
    credit,
    focal_x: "0.5",
    focal_y: "0.4",
  });
  const current = await editor.GET("/api/v1/articles/{slug}", { params: { path: { slug } } });
  const version = current.response.headers.get("etag") ?? "*";
  must(
    "feature the photo",
    await editor.PATCH("/api/v1/articles/{slug}", {
      params: { path: { slug }, header: { "If-Match": version } },
      body: { featured_media: photo.id },
    }),
  );

  // Other stories: related ones (shared tags), a sub-section, more than a page of World News.
  const now = Date.now();
  const stories = [
    { headline: "Border trade resumes at the Taftan crossing", section: "asia", tags: ["pakistan", "iran"], authors: [authorSlug] },
    { headline: "Iran's foreign minister to visit Islamabad next week", section: "world-news", tags: ["iran", "diplomacy"], authors: [authorSlug] },
    { headline: "Markets steady as border tensions ease", section: "business", tags: ["pakistan"], authors: [] },
    { headline: "China offers to host talks on regional security", section: "world-news", tags: ["diplomacy"], authors: [] },
  ];
  for (let i = 0; i < 10; i++) {
    stories.push({ headline: `World briefing number ${i + 1}: the day's other headlines`, section: "world-news", tags: [], authors: [] });
  }
  let index = 0;
  for (const story of stories) {
    index += 1;
    const result = await editor.POST("/api/v1/articles", {
      body: {
        headline: story.headline,
        section: story.section,
        tags: story.tags,
        authors: story.authors,
        body: `<p>${story.headline}. Reporting continues as officials from both countries meet to discuss the border, trade and security.</p><p>More details will follow as the story develops.</p>`,
        status: "published",
        published_at: new Date(now - index * 3_600_000).toISOString(),
        featured_media: index <= 3 ? photo.id : null,
      },
    });
    if (!result.data && result.response.status !== 409) must(`story ${story.headline}`, result);
  }

  // A draft: the reader must answer 404 for it.
  const draft = must(
    "draft",
    await editor.POST("/api/v1/articles", {
      body: { headline: "Unpublished draft about the ceasefire talks", section: "world-news", status: "draft", body: "<p>Not for readers yet.</p>" },
    }),
  );
  return {
    siteName,
    credit,
    socialLabels: social.map((link) => link.label),
    navLabels: ["World News", "Asia", "Business"],
    authorSlug,
    draftSlug: draft.slug ?? "",
    subSection: "asia",
  };
}
