/**
 * Gateway-native routes over many accounts: `GET /v1/accounts`, `GET /v1/portfolio`.
 * Portfolio sums are exact decimals (src/fleet/portfolio.ts). With shards, the replica that
 * receives one of these answers for every shard: its own accounts, merged in account id order
 * with the pages of one replica of each other shard (src/fleet/fleet-wide.ts); a shard that does
 * not answer is named in `missing_shards` (`partial: true`). A hop from another replica (the
 * `X-Paddock-Fanout` header) is answered for this replica's shard only.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Account } from "../../accounts/types.js";
import { allowedAccounts } from "../../auth/authorize.js";
import {
  type AccountQuery,
  accountView,
  type Page,
  pageAccounts,
  pageAccountsById,
  parseAccountQuery,
} from "../../fleet/account-query.js";
import { askOtherShards, type MissingShard, mergePages, pageFromJson } from "../../fleet/fleet-wide.js";
import { type PortfolioEntry, portfolioEntry, summarizePortfolio } from "../../fleet/portfolio.js";
import { createPortfolioSnapshots, type PortfolioSnapshots } from "../../fleet/portfolio-snapshots.js";
import { hopHeaders, isHop, type ShardPeers } from "../../shards/peers.js";
import type { RouteDeps } from "../route-deps.js";

export interface FleetRouteDeps extends RouteDeps {
  /** Per-account portfolio snapshots (src/fleet/portfolio-snapshots.ts); a fresh cache when absent. */
  readonly snapshots?: PortfolioSnapshots;
  /** True while the global kill switch holds every account (shown as each account's status). */
  readonly globalHalt?: () => boolean;
  /** The other shards, when this replica is one shard of several (read at use). */
  readonly peers?: () => ShardPeers | undefined;
}

type AccountViewBody = ReturnType<typeof accountView>;

export function fleetRoutes(deps: FleetRouteDeps): FastifyPluginAsync {
  const snapshots = deps.snapshots ?? createPortfolioSnapshots({ now: deps.now });
  return async (app) => {
    /** The accounts the caller may read here (tag grants resolved), filtered and paged by the query. */
    const callerPage = async (
      request: FastifyRequest,
    ): Promise<{ page: Page<Account>; query: AccountQuery; peers: ShardPeers | undefined }> => {
      const principal = await deps.auth.authenticate(request, { scope: "read" });
      const query = parseAccountQuery(request.query as Record<string, unknown>);
      const all = deps.fleet.list();
      const byId = new Map(all.map((a) => [a.id, a]));
      const ids = allowedAccounts(
        principal,
        all.map((a) => a.id),
        (id) => byId.get(id)?.tags ?? [],
      );
      const mine = ids.map((id) => byId.get(id)).filter((a): a is Account => a !== undefined);
      const peers = deps.peers?.();
      // with shards every replica pages in account id order, so the pages of all shards merge
      const page = (peers ? pageAccountsById : pageAccounts)(mine, query, deps.globalHalt?.() ?? false);
      return { page, query, peers };
    };

    /** The same question to every other shard, unless this request is itself a hop. */
    const fanOut = async <T extends { readonly id: string }>(
      request: FastifyRequest,
      peers: ShardPeers | undefined,
      key: string,
      totalKey: string,
    ) =>
      peers && !isHop(request.headers)
        ? askOtherShards(
            peers,
            request.raw.url ?? request.url,
            hopHeaders(request.headers),
            pageFromJson<T>(key, totalKey),
          )
        : undefined;

    const shardFields = (peers: ShardPeers | undefined, missing: readonly MissingShard[] = []) =>
      peers ? { shard: peers.self, partial: missing.length > 0, missing_shards: missing } : {};

    app.get("/v1/accounts", async (request) => {
      const { page, query, peers } = await callerPage(request);
      const globalHalt = deps.globalHalt?.() ?? false;
      const local = { ...page, items: page.items.map((a) => accountView(a, globalHalt)) };
      const asked = await fanOut<AccountViewBody>(request, peers, "accounts", "total");
      const merged = asked ? mergePages([local, ...asked.answers.map((a) => a.body)], query.limit) : local;
      return {
        accounts: merged.items,
        next_cursor: merged.nextCursor,
        total: merged.total,
        global_halt: globalHalt,
        ...shardFields(peers, asked?.missing),
      };
    });

    app.get("/v1/portfolio", async (request) => {
      const { page, query, peers } = await callerPage(request);
      const local = {
        ...page,
        items: (await snapshots.get(page.items)).map(portfolioEntry),
      };
      const asked = await fanOut<PortfolioEntry>(request, peers, "accounts", "total_accounts");
      const merged = asked ? mergePages([local, ...asked.answers.map((a) => a.body)], query.limit) : local;
      return {
        ...summarizePortfolio(merged.items, snapshots.options.freshMs, deps.now()),
        next_cursor: merged.nextCursor,
        total_accounts: merged.total,
        ...shardFields(peers, asked?.missing),
      };
    });
  };
}
