/**
 * What a target child process prints, as one JSON line on stdout, once it is
 * ready to be loaded. Nothing else is written to its stdout.
 */
export interface ReadyLine {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The route under load, e.g. /api/orders */
  path: string;
  /** Bearer token to send (a customer of the bench brand); empty when the target checks none. */
  token: string;
  /** The SKU the order body names. */
  sku: string;
  /** Settings worth recording beside the figures (no secrets). */
  settings: Record<string, string | number | boolean>;
}

export const ORDER_BODY = (sku: string) => JSON.stringify({ lines: [{ sku, qty: 1 }] });

export function announce(line: ReadyLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits. Further signals are
 * ignored (Ctrl-C reaches the whole process group, and the parent sends
 * SIGTERM as well); the parent falls back to SIGKILL if stopping hangs.
 */
export function exitOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
