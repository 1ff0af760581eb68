/**
 * `paddock token issue`: prints one signed JWT on stdout and nothing else.
 * `paddock token revoke`: records a revocation (`--jti` or `--sub`) in the state store the
 * gateways read, so it takes effect on every instance without going through one.
 */
import { Command } from "commander";
import { authOptionsOf } from "../../app.js";
import { recordRevocation } from "../../auth/revocations.js";
import { createTokenIssuer } from "../../auth/token-issuer.js";
import { isScope, type Scope } from "../../auth/types.js";
import { loadConfig } from "../../config/load.js";
import { PaddockError } from "../../errors.js";
import { openStateStore } from "../../state/open-state-store.js";
import { type Output, processOutput } from "../io.js";

/** `90s`, `15m`, `1h`, `1d` → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m)
    throw new PaddockError("PADDOCK_USAGE", {
      detail: `--ttl: not a duration: ${text} (use 90s, 15m, 1h, 1d)`,
    });
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? "s") as "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}

export function parseScopes(text: string): Scope[] {
  const scopes = text.split(/[\s,]+/).filter(Boolean);
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0 || scopes.length === 0) {
    throw new PaddockError("PADDOCK_USAGE", {
      detail: `--scopes: unknown scope ${bad.join(", ") || "(none)"}; use read trade data admin`,
    });
  }
  return scopes as Scope[];
}

export function parseAccounts(text: string): "*" | string[] {
  if (text.trim() === "*") return "*";
  const ids = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new PaddockError("PADDOCK_USAGE", { detail: "--accounts: give 'a,b' or '*'" });
  return ids;
}

export function tokenCommand(output: Output = processOutput): Command {
  const token = new Command("token").description("gateway access tokens");
  token
    .command("issue")
    .description("sign a JWT with the gateway's own key and print it")
    .requiredOption("--config <file>", "configuration file (auth.signing)")
    .requiredOption("--sub <subject>", "who the token is for")
    .requiredOption("--accounts <ids>", "'acct-001,acct-002' or '*'")
    .requiredOption("--scopes <scopes>", "space-separated: read trade data admin")
    .option("--ttl <duration>", "lifetime, at most 24h", "1h")
    .action(async (o: { config: string; sub: string; accounts: string; scopes: string; ttl: string }) => {
      const scopes = parseScopes(o.scopes);
      const accounts = parseAccounts(o.accounts);
      const ttlSeconds = parseDuration(o.ttl);
      const loaded = await loadConfig(o.config);
      const signing = authOptionsOf(loaded.config).signing;
      if (!signing)
        throw new PaddockError("PADDOCK_USAGE", { detail: "auth.signing is not configured in the config" });
      if (accounts !== "*") {
        // with shards, every shard's accounts (PADDOCK_SHARD may narrow config.accounts to one shard)
        const known = new Set((loaded.layout?.accounts ?? loaded.config.accounts).map((a) => a.id));
        const unknown = accounts.filter((a) => !known.has(a));
        if (unknown.length > 0)
          throw new PaddockError("PADDOCK_USAGE", { detail: `--accounts: unknown ${unknown.join(", ")}` });
      }
      const issuer = await createTokenIssuer(signing);
      output.out(await issuer.issue({ sub: o.sub, scopes, accounts, ttlSeconds }));
    });
  token
    .command("revoke")
    .description("revoke one token (--jti) or every token of a subject issued until now (--sub)")
    .requiredOption("--config <file>", "configuration file (state.dir or the Redis holding the state)")
    .option("--jti <id>", "the token's jti claim")
    .option("--sub <subject>", "the subject whose tokens issued until now are revoked")
    .action(async (o: { config: string; jti?: string; sub?: string }) => {
      if ((o.jti === undefined) === (o.sub === undefined)) {
        throw new PaddockError("PADDOCK_USAGE", { detail: "give exactly one of --jti or --sub" });
      }
      const target = o.jti !== undefined ? { jti: o.jti } : { sub: o.sub! };
      const { config } = await loadConfig(o.config, { decrypt: false });
      const store = await openStateStore(config);
      try {
        const r = await recordRevocation(store, target, config.auth, "cli").catch((cause: unknown) => {
          if (cause instanceof PaddockError) throw cause; // a bad --jti/--sub: names the option
          throw new PaddockError("PADDOCK_USAGE", {
            detail: `state store ${store.location} unavailable: ${(cause as Error).message ?? cause}`,
          });
        });
        const which =
          r.kind === "sub"
            ? `tokens of ${r.value} issued until ${new Date(r.revokedAt).toISOString()}`
            : `token ${r.value}`;
        output.out(
          `revoked ${which} (kept until ${new Date(r.expiresAt).toISOString()}, when they have all expired)`,
        );
      } finally {
        await store.close();
      }
    });
  return token;
}
