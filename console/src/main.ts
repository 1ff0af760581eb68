/**
 * The Paddock operator console: sign in with a gateway token, watch the fleet (a virtualised
 * table for 1,000 accounts), look into one account (positions, open orders, live trade
 * updates), halt and resume (account, tag, everything), place block orders with a preview,
 * and read the audit tail with its verification status. Only the gateway's public API.
 */
import { h, render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  type AccountRow,
  type Api,
  ApiError,
  type BlockChild,
  createApi,
  type PortfolioAccount,
} from "./api.js";

const ROW = 28;
const OVERSCAN = 8;
const TOKEN_KEY = "paddock.token";

const errText = (e: unknown) => (e instanceof ApiError ? `${e.status}: ${e.message}` : String(e));

function SignIn(props: { onToken: (t: string) => void; error: string | undefined }) {
  const [text, setText] = useState("");
  return h(
    "div",
    { class: "signin" },
    h("h2", null, "Paddock console"),
    h("p", { class: "muted" }, "Sign in with a gateway token (scopes read, and admin/trade for actions)."),
    h("textarea", {
      "data-testid": "token",
      value: text,
      onInput: (e: Event) => setText((e.target as HTMLTextAreaElement).value),
      placeholder: "eyJ…",
    }),
    props.error ? h("p", { class: "error", "data-testid": "signin-error" }, props.error) : null,
    h(
      "button",
      { class: "ok", "data-testid": "signin", onClick: () => props.onToken(text.trim()) },
      "Sign in",
    ),
  );
}

function money(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? "…" : v.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

function FleetTable(props: {
  rows: AccountRow[];
  money: Map<string, PortfolioAccount>;
  selected: string | undefined;
  onSelect: (id: string) => void;
}) {
  const [top, setTop] = useState(0);
  const height = 520;
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(props.rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  return h(
    "div",
    { class: "table" },
    h(
      "div",
      { class: "thead" },
      ...["Account", "Mode", "Status", "Breaker", "Budget", "Equity", "Day P/L"].map((c) =>
        h("div", null, c),
      ),
    ),
    h(
      "div",
      {
        class: "viewport",
        "data-testid": "fleet-viewport",
        onScroll: (e: Event) => setTop((e.target as HTMLElement).scrollTop),
      },
      h(
        "div",
        { style: { height: `${props.rows.length * ROW}px`, position: "relative" } },
        ...props.rows.slice(first, last).map((a, i) => {
          const m = props.money.get(a.id);
          const equity = m?.equity === undefined ? undefined : Number(m.equity);
          const pl =
            equity !== undefined && m?.last_equity !== undefined ? equity - Number(m.last_equity) : undefined;
          return h(
            "div",
            {
              key: a.id,
              class: `row${props.selected === a.id ? " selected" : ""}`,
              style: { top: `${(first + i) * ROW}px` },
              "data-testid": "fleet-row",
              "data-account": a.id,
              onClick: () => props.onSelect(a.id),
            },
            h(
              "div",
              null,
              a.id,
              a.tags.length ? h("span", { class: "muted" }, ` ${a.tags.join(",")}`) : null,
            ),
            h("div", null, a.mode),
            h("div", null, h("span", { class: `badge ${a.status}`, "data-testid": "status" }, a.status)),
            h("div", null, h("span", { class: `badge ${a.breaker}` }, a.breaker)),
            h(
              "div",
              { class: "num" },
              a.budget.limit_per_minute ? `${a.budget.remaining}/${a.budget.limit_per_minute}` : "∞",
            ),
            h("div", { class: "num" }, money(equity)),
            h("div", { class: `num ${pl === undefined ? "" : pl >= 0 ? "pos" : "neg"}` }, money(pl)),
          );
        }),
      ),
    ),
  );
}

function confirmThen(message: string, fn: () => Promise<unknown>, onDone: (msg: string) => void) {
  if (!window.confirm(message)) return;
  fn().then(
    () => onDone(""),
    (e: unknown) => onDone(errText(e)),
  );
}

function Detail(props: { api: Api; account: AccountRow; onChange: () => void }) {
  const { api, account } = props;
  const [positions, setPositions] = useState<Array<Record<string, string>>>([]);
  const [orders, setOrders] = useState<Array<Record<string, string>>>([]);
  const [feed, setFeed] = useState<string[]>([]);
  const [msg, setMsg] = useState("");
  const [qty, setQty] = useState("1");
  const [symbol, setSymbol] = useState("AAPL");
  const load = () => {
    api.positions(account.id).then(setPositions, (e: unknown) => setMsg(errText(e)));
    api.openOrders(account.id).then(setOrders, (e: unknown) => setMsg(errText(e)));
  };
  useEffect(() => {
    setFeed([]);
    load();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/v1/accounts/${account.id}/stream`);
    ws.onopen = () => {
      ws.send(JSON.stringify({ action: "authenticate", data: { key_id: "console", secret_key: api.token } }));
      ws.send(JSON.stringify({ action: "listen", data: { streams: ["trade_updates"] } }));
    };
    ws.onmessage = async (ev: MessageEvent) => {
      const text = typeof ev.data === "string" ? ev.data : await (ev.data as Blob).text();
      const m = JSON.parse(text) as {
        stream?: string;
        data?: { event?: string; order?: { symbol?: string; qty?: string; status?: string } };
      };
      if (m.stream !== "trade_updates") return;
      const o = m.data?.order;
      setFeed((f) =>
        [
          `${new Date().toLocaleTimeString()} ${m.data?.event} ${o?.symbol ?? ""} ${o?.qty ?? ""} → ${o?.status ?? ""}`,
          ...f,
        ].slice(0, 50),
      );
      load();
    };
    return () => ws.close();
  }, [account.id]);
  return h(
    "section",
    { "data-testid": "detail" },
    h("h2", null, `${account.id} `, h("span", { class: `badge ${account.status}` }, account.status)),
    h(
      "div",
      { class: "filters" },
      account.halted
        ? h(
            "button",
            {
              class: "ok",
              "data-testid": "resume-account",
              onClick: () =>
                confirmThen(
                  `Resume trading on ${account.id}?`,
                  () => api.halt({ account: account.id }, false),
                  (m) => {
                    setMsg(m);
                    props.onChange();
                  },
                ),
            },
            "Resume",
          )
        : h(
            "button",
            {
              class: "danger",
              "data-testid": "halt-account",
              onClick: () =>
                confirmThen(
                  `Halt trading on ${account.id}?`,
                  () => api.halt({ account: account.id }, true),
                  (m) => {
                    setMsg(m);
                    props.onChange();
                  },
                ),
            },
            "Halt",
          ),
      h("input", {
        "data-testid": "order-symbol",
        value: symbol,
        size: 6,
        onInput: (e: Event) => setSymbol((e.target as HTMLInputElement).value),
      }),
      h("input", {
        "data-testid": "order-qty",
        value: qty,
        size: 4,
        onInput: (e: Event) => setQty((e.target as HTMLInputElement).value),
      }),
      h(
        "button",
        {
          "data-testid": "buy",
          onClick: () =>
            api.order(account.id, { symbol, qty, side: "buy", type: "market", time_in_force: "day" }).then(
              (o) => setMsg(`order ${o.status}`),
              (e: unknown) => setMsg(errText(e)),
            ),
        },
        "Buy market",
      ),
    ),
    msg ? h("p", { class: "error", "data-testid": "detail-message" }, msg) : null,
    h("h2", null, "Positions"),
    h(
      "table",
      { class: "plain", "data-testid": "positions" },
      h(
        "tbody",
        null,
        ...positions.map((p) =>
          h(
            "tr",
            null,
            h("td", null, p.symbol),
            h("td", { class: "num" }, p.qty),
            h("td", { class: "num" }, p.market_value),
          ),
        ),
      ),
    ),
    h("h2", null, "Open orders"),
    h(
      "table",
      { class: "plain" },
      h(
        "tbody",
        null,
        ...orders.map((o) =>
          h(
            "tr",
            null,
            h("td", null, o.symbol),
            h("td", null, o.side),
            h("td", { class: "num" }, o.qty),
            h("td", null, o.status),
          ),
        ),
      ),
    ),
    h("h2", null, "Trade updates (live)"),
    h("div", { class: "feed", "data-testid": "feed" }, ...feed.map((l) => h("div", null, l))),
  );
}

function BlockEntry(props: { api: Api; tags: string[] }) {
  const { api } = props;
  const [target, setTarget] = useState(props.tags[0] ? `tag:${props.tags[0]}` : "");
  const [method, setMethod] = useState("equal");
  const [qty, setQty] = useState("10");
  const [symbol, setSymbol] = useState("AAPL");
  const [side, setSide] = useState("buy");
  const [preview, setPreview] = useState<Array<{ account: string; qty: string }>>([]);
  const [children, setChildren] = useState<BlockChild[]>([]);
  const [msg, setMsg] = useState("");
  const body = () => ({
    accounts: target.startsWith("tag:")
      ? target
      : target
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
    allocation: { method, qty },
    order: { symbol, side, type: "market", time_in_force: "day" },
  });
  const field = (label: string, value: string, set: (v: string) => void, testid: string) => [
    h("label", null, label),
    h("input", {
      value,
      "data-testid": testid,
      onInput: (e: Event) => set((e.target as HTMLInputElement).value),
    }),
  ];
  return h(
    "section",
    { "data-testid": "block-entry" },
    h("h2", null, "Block order"),
    h(
      "div",
      { class: "form-grid" },
      ...field("Accounts", target, setTarget, "block-target"),
      h("label", null, "Allocation"),
      h(
        "select",
        {
          value: method,
          "data-testid": "block-method",
          onChange: (e: Event) => setMethod((e.target as HTMLSelectElement).value),
        },
        ...["equal", "equity", "buying_power"].map((m) => h("option", { value: m }, m)),
      ),
      ...field("Quantity", qty, setQty, "block-qty"),
      ...field("Symbol", symbol, setSymbol, "block-symbol"),
      h("label", null, "Side"),
      h(
        "select",
        { value: side, onChange: (e: Event) => setSide((e.target as HTMLSelectElement).value) },
        h("option", { value: "buy" }, "buy"),
        h("option", { value: "sell" }, "sell"),
      ),
    ),
    h(
      "div",
      { class: "filters", style: { marginTop: "8px" } },
      h(
        "button",
        {
          "data-testid": "block-preview",
          onClick: () =>
            api.preview(body()).then(
              (r) => {
                setPreview(r.children);
                setMsg("");
              },
              (e: unknown) => setMsg(errText(e)),
            ),
        },
        "Preview allocation",
      ),
      h(
        "button",
        {
          class: "ok",
          "data-testid": "block-place",
          disabled: preview.length === 0,
          onClick: () => {
            if (!window.confirm(`Place ${side} ${qty} ${symbol} across ${preview.length} accounts?`)) return;
            const id = `console-${Date.now().toString(36)}`;
            api.placeBlock({ block_id: id, ...body() }).then(
              (r) => {
                setChildren(r.children);
                const poll = setInterval(() => {
                  api.block(id).then(
                    (b) => {
                      setChildren(b.children);
                      if (
                        b.children.every(
                          (c) =>
                            !c.order ||
                            ["filled", "canceled", "rejected", "expired"].includes(c.order.status),
                        )
                      )
                        clearInterval(poll);
                    },
                    () => clearInterval(poll),
                  );
                }, 1000);
              },
              (e: unknown) => setMsg(errText(e)),
            );
          },
        },
        "Place block",
      ),
    ),
    msg ? h("p", { class: "error", "data-testid": "block-message" }, msg) : null,
    preview.length > 0 && children.length === 0
      ? h(
          "table",
          { class: "plain", "data-testid": "block-preview-table" },
          h(
            "tbody",
            null,
            ...preview.map((p) => h("tr", null, h("td", null, p.account), h("td", { class: "num" }, p.qty))),
          ),
        )
      : null,
    children.length > 0
      ? h(
          "table",
          { class: "plain", "data-testid": "block-children" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", null, "Account"),
              h("th", null, "Qty"),
              h("th", null, "HTTP"),
              h("th", null, "State"),
            ),
          ),
          h(
            "tbody",
            null,
            ...children.map((c) =>
              h(
                "tr",
                { "data-testid": "block-child" },
                h("td", null, c.account),
                h("td", { class: "num" }, c.qty),
                h("td", null, String(c.status)),
                h("td", { "data-testid": "child-state" }, c.order?.status ?? c.error?.message ?? ""),
              ),
            ),
          ),
        )
      : null,
  );
}

function AuditTail(props: { api: Api }) {
  const [data, setData] = useState<Awaited<ReturnType<Api["auditTail"]>> | undefined>();
  const [msg, setMsg] = useState("");
  useEffect(() => {
    const load = () =>
      props.api.auditTail(30).then(
        (d) => {
          setData(d);
          setMsg("");
        },
        (e: unknown) => setMsg(errText(e)),
      );
    load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, []);
  const v = data?.verification;
  return h(
    "section",
    { "data-testid": "audit" },
    h(
      "h2",
      null,
      "Audit tail ",
      v
        ? h(
            "span",
            { class: `badge ${v.ok ? "verified" : "broken"}`, "data-testid": "audit-verified" },
            v.ok ? `chain verified (${v.lines} lines)` : `chain broken: ${v.reason}`,
          )
        : null,
    ),
    msg ? h("p", { class: "error" }, msg) : null,
    h(
      "table",
      { class: "plain" },
      h(
        "tbody",
        null,
        ...(data?.records ?? [])
          .slice()
          .reverse()
          .map((r) =>
            h(
              "tr",
              { "data-testid": "audit-row" },
              h("td", null, String(r.seq)),
              h("td", null, r.time.slice(11, 19)),
              h("td", null, r.action),
              h("td", null, r.outcome),
              h("td", null, r.account ?? ""),
            ),
          ),
      ),
    ),
  );
}

function Console(props: { api: Api; signOut: () => void }) {
  const { api } = props;
  const [rows, setRows] = useState<AccountRow[]>([]);
  const [money, setMoney] = useState(new Map<string, PortfolioAccount>());
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState("");
  const [status, setStatus] = useState("");
  const [selected, setSelected] = useState<string>();
  const [msg, setMsg] = useState("");
  const [globalHalt, setGlobalHalt] = useState(false);
  const tick = useRef(0);
  const refresh = () =>
    api.accounts().then(
      (r) => {
        setRows(r.accounts);
        setGlobalHalt(r.global_halt);
      },
      (e: unknown) => setMsg(errText(e)),
    );
  useEffect(() => {
    refresh();
    const loadMoney = () =>
      api.portfolio().then(
        (p) => setMoney(new Map(p.accounts.map((a) => [a.id, a]))),
        () => {},
      );
    loadMoney();
    const t = setInterval(() => {
      refresh();
      if (++tick.current % 3 === 0) loadMoney();
    }, 2000);
    return () => clearInterval(t);
  }, []);
  const tags = useMemo(() => [...new Set(rows.flatMap((r) => r.tags))].sort(), [rows]);
  const shown = useMemo(
    () =>
      rows.filter(
        (r) =>
          (!search || r.id.toLowerCase().includes(search.toLowerCase())) &&
          (!tag || r.tags.includes(tag)) &&
          (!status || r.status === status),
      ),
    [rows, search, tag, status],
  );
  const account = rows.find((r) => r.id === selected);
  return h(
    "div",
    null,
    h(
      "header",
      null,
      h("h1", null, "Paddock"),
      h("span", { "data-testid": "fleet-count" }, `${shown.length} of ${rows.length} accounts`),
      globalHalt ? h("span", { class: "badge halted", "data-testid": "global-halt" }, "GLOBAL HALT") : null,
      h("span", { class: "spacer" }),
      tag
        ? h(
            "button",
            {
              class: "danger",
              "data-testid": "halt-tag",
              onClick: () =>
                confirmThen(
                  `Halt every account tagged ${tag}?`,
                  () => api.halt({ tag }, true),
                  (m) => {
                    setMsg(m);
                    refresh();
                  },
                ),
            },
            `Halt tag ${tag}`,
          )
        : null,
      tag
        ? h(
            "button",
            {
              onClick: () =>
                confirmThen(
                  `Resume every account tagged ${tag}?`,
                  () => api.halt({ tag }, false),
                  (m) => {
                    setMsg(m);
                    refresh();
                  },
                ),
            },
            `Resume tag ${tag}`,
          )
        : null,
      h(
        "button",
        {
          class: "danger",
          "data-testid": "halt-all",
          onClick: () =>
            confirmThen(
              "Halt trading on EVERY account?",
              () => api.halt({}, true),
              (m) => {
                setMsg(m);
                refresh();
              },
            ),
        },
        "Halt all",
      ),
      h(
        "button",
        {
          "data-testid": "resume-all",
          onClick: () =>
            confirmThen(
              "Resume trading everywhere?",
              () => api.halt({}, false),
              (m) => {
                setMsg(m);
                refresh();
              },
            ),
        },
        "Resume all",
      ),
      h("button", { onClick: props.signOut }, "Sign out"),
    ),
    msg ? h("p", { class: "error", style: { margin: "8px 16px" } }, msg) : null,
    h(
      "main",
      null,
      h(
        "section",
        null,
        h(
          "div",
          { class: "filters" },
          h("input", {
            placeholder: "search account id",
            "data-testid": "search",
            value: search,
            onInput: (e: Event) => setSearch((e.target as HTMLInputElement).value),
          }),
          h(
            "select",
            {
              "data-testid": "tag-filter",
              value: tag,
              onChange: (e: Event) => setTag((e.target as HTMLSelectElement).value),
            },
            h("option", { value: "" }, "all tags"),
            ...tags.map((t) => h("option", { value: t }, t)),
          ),
          h(
            "select",
            {
              "data-testid": "status-filter",
              value: status,
              onChange: (e: Event) => setStatus((e.target as HTMLSelectElement).value),
            },
            ...["", "active", "halted", "unavailable"].map((s) =>
              h("option", { value: s }, s || "any status"),
            ),
          ),
        ),
        h(FleetTable, { rows: shown, money, selected, onSelect: setSelected }),
        h(AuditTail, { api }),
      ),
      h(
        "div",
        { class: "side" },
        account
          ? h(Detail, { api, account, onChange: refresh })
          : h(
              "section",
              null,
              h(
                "p",
                { class: "muted" },
                "Select an account for its positions, open orders and live trade updates.",
              ),
            ),
        h(BlockEntry, { api, tags }),
      ),
    ),
  );
}

function App() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, "", location.pathname);
  }
  const [token, setToken] = useState(sessionStorage.getItem(TOKEN_KEY) ?? "");
  const [ok, setOk] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!token) return;
    createApi(token)
      .accounts()
      .then(
        () => {
          sessionStorage.setItem(TOKEN_KEY, token);
          setOk(true);
          setError(undefined);
        },
        (e: unknown) => {
          sessionStorage.removeItem(TOKEN_KEY);
          setOk(false);
          setError(errText(e));
        },
      );
  }, [token]);
  if (!token || !ok) return h(SignIn, { onToken: setToken, error });
  return h(Console, {
    api: createApi(token),
    signOut: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      setToken("");
      setOk(false);
    },
  });
}

render(h(App, null), document.getElementById("app")!);
