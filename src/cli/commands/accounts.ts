/**
 * `paddock accounts add|import|list|remove|rotate-keys`: the fleet managed through the
 * running gateway's admin API (so every change is checked, sealed, applied by reload and
 * audited by the gateway itself). `--url` / `$PADDOCK_URL` and `--token` / `$PADDOCK_TOKEN`
 * (an admin token for every account). Keys are read from `$APCA_API_KEY_ID` /
 * `$APCA_API_SECRET_KEY` or from stdin (`KEYID SECRET`), never from the command line.
 */
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { PaddockError } from "../../errors.js";
import { type Output, processOutput, readStdin } from "../io.js";

interface ApiOptions {
  url?: string;
  token?: string;
}

export interface AccountsCliDeps {
  readonly output: Output;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: () => Promise<string>;
}

async function call(
  o: ApiOptions,
  env: NodeJS.ProcessEnv,
  method: string,
  path: string,
  body?: string,
  type = "application/json",
) {
  const url = o.url ?? env.PADDOCK_URL;
  const token = o.token ?? env.PADDOCK_TOKEN;
  if (!url || !token) {
    throw new PaddockError("PADDOCK_USAGE", {
      detail: "give --url and --token (or $PADDOCK_URL and $PADDOCK_TOKEN)",
    });
  }
  const res = await fetch(`${url.replace(/\/+$/, "")}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": type } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: the text as is
    }
    throw new PaddockError(res.status === 409 ? "PADDOCK_CONFLICT" : "PADDOCK_USAGE", {
      detail: `${res.status}: ${message}`,
    });
  }
  return JSON.parse(text) as unknown;
}

async function keysFrom(deps: AccountsCliDeps): Promise<{ keyId: string; secretKey: string }> {
  const keyId = deps.env.APCA_API_KEY_ID;
  const secretKey = deps.env.APCA_API_SECRET_KEY;
  if (keyId && secretKey) return { keyId, secretKey };
  const [k, s] = (await deps.stdin()).trim().split(/\s+/);
  if (!k || !s) {
    throw new PaddockError("PADDOCK_USAGE", {
      detail: "set $APCA_API_KEY_ID and $APCA_API_SECRET_KEY, or pipe 'KEYID SECRET' on stdin",
    });
  }
  return { keyId: k, secretKey: s };
}

const tagList = (t?: string) =>
  t
    ? t
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

export function accountsCommand(
  output: Output = processOutput,
  deps: Partial<AccountsCliDeps> = {},
): Command {
  const d: AccountsCliDeps = {
    output,
    env: deps.env ?? process.env,
    stdin: deps.stdin ?? (() => readStdin()),
  };
  const api = (c: Command) =>
    c
      .option("--url <url>", "gateway URL ($PADDOCK_URL)")
      .option("--token <jwt>", "admin token ($PADDOCK_TOKEN)");
  const accounts = new Command("accounts").description(
    "manage the fleet through the running gateway (audited, no restart)",
  );

  api(accounts.command("list").description("the accounts, their mode, status and tags"))
    .option("--tag <tag>", "only accounts with this tag")
    .action(async (o: ApiOptions & { tag?: string }) => {
      const q = o.tag ? `?tag=${encodeURIComponent(o.tag)}` : "";
      const body = (await call(o, d.env, "GET", `/v1/accounts${q}`)) as {
        accounts: Array<{ id: string; mode: string; status: string; tags: string[] }>;
      };
      for (const a of body.accounts) d.output.out(`${a.id}\t${a.mode}\t${a.status}\t${a.tags.join(",")}`);
    });

  api(accounts.command("add <id>").description("add an account; its keys are checked with Alpaca first"))
    .option("--mode <mode>", "paper or live", "paper")
    .option("--tags <tags>", "comma-separated tags")
    .option("--confirm-live", "required to add a live account")
    .action(async (id: string, o: ApiOptions & { mode: string; tags?: string; confirmLive?: boolean }) => {
      const keys = await keysFrom(d);
      const body = {
        id,
        mode: o.mode,
        ...keys,
        tags: tagList(o.tags),
        ...(o.confirmLive ? { confirm_live: true } : {}),
      };
      const r = (await call(o, d.env, "POST", "/v1/admin/accounts", JSON.stringify(body))) as {
        account_number?: string;
      };
      d.output.out(`added ${id} (Alpaca account ${r.account_number ?? "?"})`);
    });

  api(
    accounts
      .command("import <file>")
      .description("add accounts from a CSV (id,mode,keyId,secretKey,tags) or JSON file"),
  )
    .option("--confirm-live", "required when the file holds live accounts")
    .action(async (file: string, o: ApiOptions & { confirmLive?: boolean }) => {
      const text = await readFile(file, "utf8");
      const json = file.endsWith(".json");
      const payload =
        json && o.confirmLive ? JSON.stringify({ accounts: JSON.parse(text), confirm_live: true }) : text;
      const r = (await call(
        o,
        d.env,
        "POST",
        "/v1/admin/accounts:import",
        payload,
        json ? "application/json" : "text/csv",
      )) as {
        imported: Array<{ id: string; account_number?: string }>;
      };
      for (const a of r.imported) d.output.out(`added ${a.id} (Alpaca account ${a.account_number ?? "?"})`);
    });

  api(accounts.command("remove <id>").description("remove an account (asks what to do with its open orders)"))
    .option("--open-orders <choice>", "cancel or keep the account's open orders")
    .action(async (id: string, o: ApiOptions & { openOrders?: string }) => {
      const q = o.openOrders ? `?open_orders=${encodeURIComponent(o.openOrders)}` : "";
      await call(o, d.env, "DELETE", `/v1/admin/accounts/${encodeURIComponent(id)}${q}`);
      d.output.out(`removed ${id}`);
    });

  api(
    accounts
      .command("rotate-keys <id>")
      .description("replace an account's key pair (checked with Alpaca first)"),
  ).action(async (id: string, o: ApiOptions) => {
    const keys = await keysFrom(d);
    const r = (await call(
      o,
      d.env,
      "PATCH",
      `/v1/admin/accounts/${encodeURIComponent(id)}`,
      JSON.stringify(keys),
    )) as {
      account_number?: string;
    };
    d.output.out(`rotated the keys of ${id} (Alpaca account ${r.account_number ?? "?"})`);
  });
  return accounts;
}
