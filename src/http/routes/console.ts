/**
 * The operator console (`/console`): static assets built by `npm run build` into
 * dist/console, served as files (no separate server), and the one read-only admin route
 * it needs beyond the public API: `GET /v1/admin/audit/tail?limit=N` — the newest audit
 * records and whether the chain verifies (re-checked at most every 10 s).
 */
import { existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { verifyAuditFiles } from "../../audit/verify.js";
import { PaddockError } from "../../errors.js";
import type { RouteDeps } from "../route-deps.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};
const TAIL_BYTES = 256 * 1024;
const VERIFY_EVERY_MS = 10_000;

/** dist/console beside the compiled code, or in the repository when running from src/. */
export function defaultConsoleDir(): string | undefined {
  const candidates = ["../../console", "../../../dist/console"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((d) => existsSync(join(d, "index.html")));
}

export interface ConsoleDeps {
  readonly auth: RouteDeps["auth"];
  /** The live audit file (its directory holds the chain). */
  readonly auditPath: () => string;
  readonly now: () => number;
  readonly dir?: string | undefined;
}

async function lastLines(path: string, n: number): Promise<string[]> {
  const fh = await open(path, "r").catch(() => undefined);
  if (!fh) return [];
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf.toString("utf8").split("\n").filter(Boolean);
    if (start > 0) lines.shift(); // the first may be cut
    return lines.slice(-n);
  } finally {
    await fh.close();
  }
}

export function consoleRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    const dir = deps.dir ?? defaultConsoleDir();
    const send = async (reply: FastifyReply, rel: string) => {
      if (!dir) {
        throw new PaddockError("PADDOCK_NOT_FOUND", {
          detail: "the console is not built: run npm run build",
        });
      }
      const path = normalize(join(dir, rel));
      if (!path.startsWith(dir + sep)) throw new PaddockError("PADDOCK_NOT_FOUND", { detail: rel });
      const data = await readFile(path).catch(() => {
        throw new PaddockError("PADDOCK_NOT_FOUND", { detail: rel.slice(0, 128) });
      });
      reply.header("content-type", TYPES[extname(path)] ?? "application/octet-stream");
      reply.header(
        "cache-control",
        rel.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      );
      reply.header("x-content-type-options", "nosniff");
      reply.header(
        "content-security-policy",
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
      );
      return reply.send(data);
    };
    const hide = { schema: { hide: true } }; // static files, not API
    app.get("/console", hide, (_req, reply) => reply.redirect("/console/"));
    app.get("/console/", hide, (_req, reply) => send(reply, "index.html"));
    app.get<{ Params: { "*": string } }>("/console/assets/*", hide, (req, reply) =>
      send(reply, `assets/${req.params["*"]}`),
    );

    let verified: { at: number; result: Record<string, unknown> } | undefined;
    app.get<{ Querystring: { limit?: string } }>("/v1/admin/audit/tail", async (request) => {
      await deps.auth.authenticate(request, { scope: "admin" });
      const raw = request.query.limit ?? "50";
      const limit = Number(raw);
      if (!/^\d+$/.test(raw) || limit < 1 || limit > 500) {
        throw new PaddockError("PADDOCK_REQUEST_INVALID", { field: "limit", detail: "must be 1 to 500" });
      }
      const path = deps.auditPath();
      const records = (await lastLines(path, limit)).map((l) => JSON.parse(l) as Record<string, unknown>);
      const now = deps.now();
      const newest = Number(records.at(-1)?.seq ?? 0);
      const checkedTo = Number(verified?.result.lastSeq ?? 0);
      const age = verified ? now - verified.at : Number.POSITIVE_INFINITY;
      // re-checked every 10 s, or after 1 s when records newer than the last check arrived
      if (age > VERIFY_EVERY_MS || (newest > checkedTo && age > 1000)) {
        const dir = path.slice(0, path.lastIndexOf(sep));
        const r = await verifyAuditFiles([dir], { partial: true }).catch((err: unknown) => ({
          ok: false as const,
          reason: err instanceof Error ? err.message : String(err),
        }));
        verified = { at: now, result: { ...r, checked_at: new Date(now).toISOString() } };
      }
      return { records, verification: verified!.result };
    });
  };
}
