/**
 * Block orders: `POST /v1/orders:block`, `GET|DELETE /v1/orders:block/{block_id}`,
 * and `POST /v1/orders:block:preview` (the allocation without placing anything).
 * Scope `trade` (GET: `read`) over every target account (with shards: of every shard); the service
 * does the rest.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { authorize } from "../../auth/authorize.js";
import type { Scope } from "../../auth/types.js";
import type { BlockCaller, BlockOrderService } from "../../fleet/block-orders.js";
import { hopHeaders } from "../../shards/peers.js";
import type { RouteDeps } from "../route-deps.js";

export interface BlockRouteDeps {
  readonly auth: RouteDeps["auth"];
  readonly blocks: BlockOrderService;
}

export function blockRoutes(deps: BlockRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const caller = async (request: FastifyRequest, scope: Scope): Promise<BlockCaller> => {
      const principal = await deps.auth.authenticate(request, { scope });
      return {
        subject: principal.sub,
        requestId: request.id,
        log: request.log,
        allow: (account) => authorize(principal, { scope, accountId: account.id, accountTags: account.tags }),
        // children for accounts of other shards go there with the caller's own credentials
        forward: hopHeaders(request.headers),
      };
    };
    // `:` is literal in these paths: Fastify reads `::` as one colon
    app.post("/v1/orders::block", async (request) =>
      deps.blocks.place(request.body, await caller(request, "trade")),
    );
    app.post("/v1/orders::block::preview", async (request) => ({
      children: await deps.blocks.preview(request.body, await caller(request, "trade")),
    }));
    app.get<{ Params: { id: string } }>("/v1/orders::block/:id", async (request) =>
      deps.blocks.get(request.params.id, await caller(request, "read")),
    );
    app.delete<{ Params: { id: string } }>("/v1/orders::block/:id", async (request) =>
      deps.blocks.cancel(request.params.id, await caller(request, "trade")),
    );
  };
}
