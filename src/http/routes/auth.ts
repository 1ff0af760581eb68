/** `POST /v1/auth/token` (OAuth2 client credentials, RFC 6749 §4.4) and `GET /.well-known/jwks.json`. */
import formbody from "@fastify/formbody";
import type { FastifyPluginAsync } from "fastify";
import type { ClientCredentialsGrant } from "../../auth/client-credentials.js";
import type { TokenIssuer } from "../../auth/token-issuer.js";

/** The issuer and grant are read per request: a reload may replace them. */
export function authRoutes(deps: {
  issuer: () => TokenIssuer | undefined;
  grant: () => ClientCredentialsGrant | undefined;
}): FastifyPluginAsync {
  return async (app) => {
    await app.register(formbody);
    app.get("/.well-known/jwks.json", async () => deps.issuer()?.jwks() ?? { keys: [] });
    app.post("/v1/auth/token", async (request, reply) => {
      reply.header("cache-control", "no-store").header("pragma", "no-cache");
      const grant = deps.grant();
      if (!grant) {
        reply.code(400);
        return { error: "unsupported_grant_type", error_description: "no OAuth2 clients are configured" };
      }
      const form = (request.body ?? {}) as Record<string, string | undefined>;
      const result = await grant.grant(form, request.headers.authorization);
      reply.code(result.status);
      if (result.status === 401) reply.header("www-authenticate", 'Basic realm="paddock"');
      return result.body;
    });
  };
}
