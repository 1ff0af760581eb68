/**
 * `paddock init --dir D [--accounts N] [--shards S] [--upstream URL] [--port P]`: a ready-to-run
 * configuration. With `--shards S`, the accounts are split into S shards of consecutive accounts
 * (`s1`…, by the tag `shard-s1`…; each at most 1,000), so up to 1,000 × S accounts.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { stringify } from "yaml";
import { encryptSecret, generateMasterKey, parseMasterKey } from "../../config/secrets.js";
import { PaddockError } from "../../errors.js";
import { type Output, processOutput } from "../io.js";
import { parseIntOption } from "../options.js";

export interface InitOptions {
  readonly dir: string;
  readonly accounts: number;
  readonly upstream?: string;
  readonly port: number;
  /** Split the accounts into this many shards (tagged `shard-s1`…). */
  readonly shards?: number;
}

const randomKeyId = (): string => `PK${randomBytes(9).toString("hex").toUpperCase()}`;
const randomSecret = (): string => randomBytes(30).toString("base64url");

/** Alpaca URLs all pointed at one base (the simulator): REST as is, streams over ws(s). */
export function upstreamAt(base: string): Record<string, string> {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new PaddockError("PADDOCK_USAGE", { detail: `--upstream: not a URL: ${base}` });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PaddockError("PADDOCK_USAGE", { detail: "--upstream: must be an http(s) URL" });
  }
  const rest = url.origin;
  const ws = `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
  return {
    tradingPaperUrl: rest,
    tradingLiveUrl: rest,
    dataUrl: rest,
    streamPaperUrl: `${ws}/stream`,
    streamLiveUrl: `${ws}/stream`,
    dataStreamUrl: ws,
  };
}

export async function runInit(opts: InitOptions): Promise<string[]> {
  const shards = opts.shards ?? 0;
  if (shards < 0 || shards > 100) {
    throw new PaddockError("PADDOCK_USAGE", { detail: "--shards: must be between 1 and 100" });
  }
  const most = 1000 * Math.max(1, shards);
  if (opts.accounts < 0 || opts.accounts > most) {
    throw new PaddockError("PADDOCK_USAGE", {
      detail: `--accounts: must be between 0 and ${most}${shards === 0 ? " (more need --shards: 1,000 per shard)" : ` (1,000 per shard × ${shards})`}`,
    });
  }
  const perShard = shards > 0 ? Math.ceil(opts.accounts / shards) : 0;
  const upstream = opts.upstream ? upstreamAt(opts.upstream) : undefined;
  const masterText = generateMasterKey();
  const master = parseMasterKey(masterText, "generated key");
  const accounts = Array.from({ length: opts.accounts }, (_, i) => {
    const id = `acct-${String(i + 1).padStart(3, "0")}`;
    return {
      id,
      mode: "paper",
      keyId: encryptSecret(randomKeyId(), id, master),
      secretKey: encryptSecret(randomSecret(), id, master),
      tags: shards > 0 ? ["demo", `shard-s${Math.floor(i / perShard) + 1}`] : ["demo"],
    };
  });
  const config = {
    server: { host: "127.0.0.1", port: opts.port },
    security: { masterKeyFile: "master.key" },
    auth: {
      algorithms: ["RS256"],
      issuer: "paddock",
      signing: { privateKeyFile: "jwt-private.pem", publicKeyFile: "jwt-public.pem", kid: "paddock-1" },
    },
    ...(upstream ? { upstream } : {}),
    audit: { dir: "audit" },
    ...(shards > 0
      ? {
          // each replica names its shard in PADDOCK_SHARD (or shard.id) and shares cache.redisUrl (REDIS_URL)
          shards: Array.from({ length: shards }, (_, k) => ({ id: `s${k + 1}`, tags: [`shard-s${k + 1}`] })),
        }
      : {}),
    accounts,
  };
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const header = "# Paddock configuration written by `paddock init`. Reference: docs/configuration.md\n";
  const files: Array<{ name: string; data: string; mode: number }> = [
    { name: "master.key", data: masterText, mode: 0o600 },
    { name: "jwt-private.pem", data: privateKey, mode: 0o600 },
    { name: "jwt-public.pem", data: publicKey, mode: 0o644 },
    { name: "paddock.yaml", data: header + stringify(config, { lineWidth: 0 }), mode: 0o600 },
  ];
  await mkdir(opts.dir, { recursive: true });
  const written: string[] = [];
  try {
    for (const f of files) {
      const path = join(opts.dir, f.name);
      const fh = await open(path, "wx", f.mode).catch((err: NodeJS.ErrnoException) => {
        throw new PaddockError("PADDOCK_USAGE", {
          detail:
            err.code === "EEXIST" ? `${path} already exists; choose an empty --dir` : `cannot write ${path}`,
          cause: err,
        });
      });
      written.push(path);
      await fh.writeFile(f.data);
      await fh.close();
    }
  } catch (err) {
    await Promise.all(written.map((p) => rm(p, { force: true })));
    throw err;
  }
  return written;
}

export function initCommand(output: Output = processOutput): Command {
  return new Command("init")
    .description("write a ready configuration: paddock.yaml, master.key, an RS256 key pair and N accounts")
    .requiredOption("--dir <dir>", "directory to write into")
    .option("--accounts <n>", "number of accounts acct-001… with random encrypted keys", parseIntOption, 3)
    .option(
      "--shards <n>",
      "split the accounts into n shards s1… (1,000 accounts each at most)",
      parseIntOption,
    )
    .option("--upstream <url>", "point every Alpaca URL at one base (the simulator)")
    .option("--port <port>", "gateway port", parseIntOption, 8080)
    .action(
      async (o: { dir: string; accounts: number; shards?: number; upstream?: string; port: number }) => {
        const files = await runInit({
          dir: o.dir,
          accounts: o.accounts,
          port: o.port,
          ...(o.shards !== undefined ? { shards: o.shards } : {}),
          ...(o.upstream ? { upstream: o.upstream } : {}),
        });
        output.out(`wrote ${files.join(", ")}`);
        output.out(`next: paddock config check --config ${join(o.dir, "paddock.yaml")}`);
      },
    );
}
