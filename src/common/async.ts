/** Maps with at most `limit` calls in flight, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** The body of a request as a workflow receives it: a plain JSON copy (DTO classes gone, undefined fields dropped). */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
