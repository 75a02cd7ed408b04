import type { EventEnvelope } from './envelope.js';

/**
 * A consumer group's view of the bus: every event of `types`, in publish
 * order, at least once, in batches. Replicas of one service share a group.
 * `handle` resolves when every event of the batch is done with (processed,
 * duplicate or dead-lettered); a rejection means "deliver it again later".
 */
export interface Subscription {
  group: string;
  types: string[];
  handle(batch: EventEnvelope[], at?: LogPositions): Promise<void>;
}

/**
 * Where each event of a batch sits in the bus's log, from a bus that delivers
 * a group's events one batch at a time in log order (the embedded bus). The
 * consumer then keeps its place in the log in its own database instead of a
 * row per event. `log` names the log itself, so a new log starts from zero.
 */
export interface LogPositions {
  log: string;
  seqs: number[];
}

export interface Bus {
  /** Durable when it resolves. Publishing an id twice stores it once. */
  publish(envelopes: EventEnvelope[]): Promise<void>;
  subscribe(subscription: Subscription): void;
  start(): Promise<void>;
  /** Stops delivering; waits for events being handled to finish. */
  stop(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Events of each consumer group's types not yet handled. */
  lag(): Promise<Record<string, number>>;
  /**
   * When the earliest event that `group` may yet be delivered (again) was
   * published: one not acknowledged, handled or not. Undefined when there is
   * none. What the group handled before it is never redelivered (see jobs/retention.ts).
   */
  oldestUnacknowledged(group: string): Promise<Date | undefined>;
  /**
   * Reads the events of `types` the bus still keeps, published from `from` on, in publish order,
   * up to its head, and hands them to `handle` a batch at a time, as a consumer of its own: no
   * group's place moves, no group sees them again. Resolves with how many once `handle` had the last.
   */
  replay(types: string[], from: Date, handle: (batch: EventEnvelope[]) => Promise<void>): Promise<number>;
}
