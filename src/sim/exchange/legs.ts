/** Multi-leg order relations: which orders cancel each other. */
import type { SimAccount, SimOrder } from "./types.js";

/**
 * The orders that one-cancel-other with `o`: the other exit leg of a bracket, or the other side of
 * an oco (the oco's parent is its take-profit, its leg the stop). An oto leg has no partner.
 */
export function exitPartners(a: SimAccount, o: SimOrder): SimOrder[] {
  const root = o.parentId === undefined ? o : a.orders.get(o.parentId);
  if (!root || root.orderClass === "oto" || root.orderClass === "simple") return [];
  if (root === o && root.orderClass !== "oco") return [];
  const group = root.orderClass === "oco" ? [root.id, ...root.legs] : root.legs;
  const out: SimOrder[] = [];
  for (const id of group) {
    const other = a.orders.get(id);
    if (other && other !== o) out.push(other);
  }
  return out;
}
