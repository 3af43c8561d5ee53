/**
 * prom-client collects every metric of a scrape at once. Gauges fed by one query share it
 * through this: calls made while a read is in flight get that read, not a new one.
 */
export function sharedScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
