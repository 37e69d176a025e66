// A webhook receiver for Dateline with Node's own HTTP server and the official Standard
// Webhooks library (`standardwebhooks` on npm): verifies each delivery's signature and age,
// then acts on the event. Deduplicate on `webhook-id`: delivery is at least once.
//   DATELINE_WEBHOOK_SECRET=whsec_... node dist/webhook-receiver.js 3001
import { createServer, type IncomingMessage } from "node:http";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

/** Every Dateline event: see "Webhooks" in the README for the catalogue. */
export interface DatelineEvent {
  type: string;
  id: string;
  timestamp: string;
  data: Record<string, unknown>;
  surrogate_keys: string[];
}

/** The raw body: the signature covers the bytes as sent, not a re-serialized object. */
async function rawBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The three Standard Webhooks headers, as the library wants them. */
function signatureHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const value = request.headers[name];
    if (typeof value === "string") {
      headers[name] = value;
    }
  }
  return headers;
}

const seen = new Set<string>();

export function receiver(secret: string, handle: (event: DatelineEvent) => void) {
  const webhook = new Webhook(secret);
  return createServer(async (request, response) => {
    const body = await rawBody(request);
    let event: DatelineEvent;
    try {
      event = webhook.verify(body, signatureHeaders(request)) as DatelineEvent;
    } catch (error) {
      // Forged, tampered with, or older than five minutes.
      response.writeHead(error instanceof WebhookVerificationError ? 400 : 500).end();
      return;
    }
    const id = request.headers["webhook-id"] as string;
    if (!seen.has(id)) {
      seen.add(id);
      handle(event);
    }
    response.writeHead(204).end();
  });
}

if (process.argv[2]) {
  const secret = process.env.DATELINE_WEBHOOK_SECRET;
  if (!secret) {
    throw new Error("set DATELINE_WEBHOOK_SECRET to the endpoint's secret (whsec_...)");
  }
  receiver(secret, (event) => {
    if (event.type === "article.published") {
      console.log(`published: ${String(event.data.url)}; purge ${event.surrogate_keys.join(" ")}`);
    }
  }).listen(Number(process.argv[2]));
}
