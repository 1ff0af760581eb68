/** The streams component of /readyz: degraded while an upstream session this instance owns is down. */
import type { StreamService } from "./stream-service.js";

export function streamHealthCheck(service: StreamService) {
  return () => {
    const s = service.stats();
    const shown =
      s.down.slice(0, 10).join(", ") + (s.down.length > 10 ? ` and ${s.down.length - 10} more` : "");
    return s.down.length === 0
      ? {
          status: "up" as const,
          detail: `${s.clients} clients, ${s.up.length}/${s.owned.length} upstream up`,
        }
      : { status: "degraded" as const, detail: `upstream down: ${shown}` };
  };
}
