/**
 * The image's build context and Dockerfile, checked by reading (no Docker engine on the development
 * machines): keys, configuration, node_modules and .git never enter the context; the runtime is Node 24,
 * the audit directory is a writable volume, the health check is the TLS-aware script.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/**
 * Docker's rule: patterns apply in order and the last one that matches a path, or one of its parent
 * directories, decides.
 */
async function dockerignore(): Promise<(path: string) => boolean> {
  const rules = (await readFile(join(root, ".dockerignore"), "utf8"))
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const keep = l.startsWith("!");
      return { keep, match: picomatch(keep ? l.slice(1) : l, { dot: true }) };
    });
  return (path) => {
    const parts = path.split("/");
    const selfAndParents = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let ignored = false;
    for (const r of rules) if (selfAndParents.some((p) => r.match(p))) ignored = !r.keep;
    return ignored;
  };
}

describe("docker build context", () => {
  it("keeps configuration, keys, node_modules and .git out", async () => {
    const ignored = await dockerignore();
    for (const p of [
      "config/paddock.yaml",
      "config/master.key",
      "config/jwt-private.pem",
      "master.key",
      "src/secret.pem",
      ".env",
      "node_modules/fastify/package.json",
      "src/node_modules/x.js",
      ".git/HEAD",
      "audit/2026-11-27.jsonl",
      "test/unit/x.test.ts",
      "dist/main.js",
    ]) {
      expect(ignored(p), p).toBe(true);
    }
  });

  it("sends what the Dockerfile copies", async () => {
    const ignored = await dockerignore();
    const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(" "));
    expect(copied.length).toBeGreaterThan(3);
    for (const src of copied) {
      const probe = (await stat(join(root, src))).isDirectory() ? `${src}/x.ts` : src;
      expect(ignored(probe), src).toBe(false);
    }
  });
});

describe("Dockerfile", () => {
  it("runs Node 24 as an unprivileged user with a writable audit volume and a TLS-aware health check", async () => {
    const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual([
      "node:24-slim",
      "node:24-slim",
    ]);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/audit", "\/state"\]$/m);
    expect(dockerfile).toMatch(/chown node:node \/audit/);
    expect(dockerfile).toMatch(/PADDOCK_AUDIT_DIR=\/audit/);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "deploy\/docker\/healthcheck\.mjs"\]$/m);
  });
});
