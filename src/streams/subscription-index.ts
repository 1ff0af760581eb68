/**
 * Reference-counted subscriptions of one feed: which clients want which
 * (channel, symbol), and the union the upstream connection must carry. Every
 * change reports the diff of the union (symbols whose count went 0→1 or 1→0),
 * so the upstream only ever receives incremental subscribe/unsubscribe.
 */
import { type ChannelSymbols, DATA_CHANNELS, type DataChannel } from "./data-protocol.js";

/** Appends a symbol to a channel's list, creating it. */
export function pushTo(
  lists: Partial<Record<DataChannel, string[]>>,
  channel: DataChannel,
  symbol: string,
): void {
  const list = lists[channel];
  if (list) list.push(symbol);
  else lists[channel] = [symbol];
}

export type ChannelSets = Record<DataChannel, Set<string>>;

export const emptyChannelSets = (): ChannelSets =>
  Object.fromEntries(DATA_CHANNELS.map((c) => [c, new Set<string>()])) as ChannelSets;

export const channelSetsToLists = (sets: ChannelSets): Record<DataChannel, string[]> =>
  Object.fromEntries(DATA_CHANNELS.map((c) => [c, [...sets[c]]])) as Record<DataChannel, string[]>;

export const isEmptyChannels = (c: ChannelSymbols): boolean =>
  DATA_CHANNELS.every((ch) => (c[ch]?.length ?? 0) === 0);

/** Distinct symbols over every channel (`*` counts as one). */
export function distinctSymbols(sets: ChannelSets): number {
  const all = new Set<string>();
  for (const c of DATA_CHANNELS) for (const s of sets[c]) all.add(s);
  return all.size;
}

export interface SubscriptionIndex<C> {
  /** The client's own subscriptions (created on first use). */
  of(client: C): ChannelSets;
  /** Adds; returns the symbols new to the union. */
  add(client: C, channels: ChannelSymbols): ChannelSymbols;
  /** Removes; returns the symbols that left the union. */
  remove(client: C, channels: ChannelSymbols): ChannelSymbols;
  /** Removes everything of a client (it disconnected). */
  drop(client: C): ChannelSymbols;
  /** Clients subscribed to a symbol on a channel, exact and wildcard. */
  subscribers(channel: DataChannel, symbol: string): readonly (ReadonlySet<C> | undefined)[];
  union(): ChannelSets;
}

export function createSubscriptionIndex<C>(): SubscriptionIndex<C> {
  const byChannel = new Map<DataChannel, Map<string, Set<C>>>(DATA_CHANNELS.map((c) => [c, new Map()]));
  const perClient = new Map<C, ChannelSets>();

  const of = (client: C): ChannelSets => {
    let sets = perClient.get(client);
    if (!sets) {
      sets = emptyChannelSets();
      perClient.set(client, sets);
    }
    return sets;
  };

  const remove = (client: C, channels: ChannelSymbols): ChannelSymbols => {
    const mine = perClient.get(client);
    const removed: Partial<Record<DataChannel, string[]>> = {};
    if (!mine) return removed;
    for (const channel of DATA_CHANNELS) {
      const symbols = channels[channel];
      if (!symbols) continue;
      const index = byChannel.get(channel)!;
      for (const symbol of symbols) {
        if (!mine[channel].delete(symbol)) continue;
        const set = index.get(symbol);
        if (!set) continue;
        set.delete(client);
        if (set.size === 0) {
          index.delete(symbol);
          pushTo(removed, channel, symbol);
        }
      }
    }
    return removed;
  };

  return {
    of,
    add(client, channels) {
      const mine = of(client);
      const added: Partial<Record<DataChannel, string[]>> = {};
      for (const channel of DATA_CHANNELS) {
        const symbols = channels[channel];
        if (!symbols) continue;
        const index = byChannel.get(channel)!;
        for (const symbol of symbols) {
          if (mine[channel].has(symbol)) continue;
          mine[channel].add(symbol);
          let set = index.get(symbol);
          if (!set) {
            set = new Set();
            index.set(symbol, set);
            pushTo(added, channel, symbol);
          }
          set.add(client);
        }
      }
      return added;
    },
    remove,
    drop(client) {
      const mine = perClient.get(client);
      if (!mine) return {};
      const removed = remove(client, channelSetsToLists(mine));
      perClient.delete(client);
      return removed;
    },
    subscribers(channel, symbol) {
      const index = byChannel.get(channel)!;
      return [index.get(symbol), index.get("*")];
    },
    union() {
      const sets = emptyChannelSets();
      for (const channel of DATA_CHANNELS)
        for (const s of byChannel.get(channel)!.keys()) sets[channel].add(s);
      return sets;
    },
  };
}
