/** Items grouped by key, in first-seen order (Map.groupBy arrives only in Node 21). */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = groups.get(k)
    if (list)
      list.push(item)
    else
      groups.set(k, [item])
  }
  return groups
}
