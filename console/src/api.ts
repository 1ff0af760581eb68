/** The gateway's public API, with the operator's token. The console has no other way in. */

export interface AccountRow {
  id: string;
  mode: string;
  tags: string[];
  status: "active" | "halted" | "unavailable";
  breaker: string;
  halted: boolean;
  budget: { limit_per_minute: number; remaining: number; queued: number };
}

export interface PortfolioAccount {
  id: string;
  status: string;
  equity?: string;
  last_equity?: string;
  as_of?: string;
}

export interface BlockChild {
  account: string;
  client_order_id: string;
  qty: string;
  status: number;
  order: { id: string; status: string; filled_qty?: string } | null;
  error: { code: number; message: string } | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createApi(token: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const msg = (parsed as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
      throw new ApiError(res.status, msg);
    }
    return parsed as T;
  };
  return {
    token,
    accounts: () => call<{ accounts: AccountRow[]; global_halt: boolean }>("GET", "/v1/accounts"),
    portfolio: () => call<{ accounts: PortfolioAccount[] }>("GET", "/v1/portfolio"),
    positions: (id: string) => call<Array<Record<string, string>>>("GET", `/v1/accounts/${id}/v2/positions`),
    openOrders: (id: string) =>
      call<Array<Record<string, string>>>("GET", `/v1/accounts/${id}/v2/orders?status=open`),
    order: (id: string, body: unknown) =>
      call<Record<string, string>>("POST", `/v1/accounts/${id}/v2/orders`, body),
    halt: (scope: { account?: string; tag?: string }, halted: boolean) => {
      const verb = halted ? "halt" : "resume";
      if (scope.account)
        return call("POST", `/v1/admin/accounts/${encodeURIComponent(scope.account)}/${verb}`);
      if (scope.tag) return call("POST", `/v1/admin/tags/${encodeURIComponent(scope.tag)}/${verb}`);
      return call("POST", `/v1/admin/${verb}`);
    },
    preview: (body: unknown) =>
      call<{ children: Array<{ account: string; qty: string }> }>("POST", "/v1/orders:block:preview", body),
    placeBlock: (body: unknown) =>
      call<{ block_id: string; children: BlockChild[] }>("POST", "/v1/orders:block", body),
    block: (id: string) =>
      call<{ block_id: string; children: BlockChild[] }>("GET", `/v1/orders:block/${id}`),
    auditTail: (limit: number) =>
      call<{
        records: Array<{
          seq: number;
          time: string;
          action: string;
          outcome: string;
          account?: string;
          subject?: string;
        }>;
        verification: { ok: boolean; lines?: number; reason?: string; checked_at: string };
      }>("GET", `/v1/admin/audit/tail?limit=${limit}`),
  };
}

export type Api = ReturnType<typeof createApi>;
