import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { tryTransactionLock, type Dialect, type Migrations } from '../db/index.js';
import { runWithContext, withDeadline } from '../context/index.js';
import { behaviourLog } from '../log/index.js';
import { SpanKind, startSpan } from '../trace/index.js';
import type { Tx, UnitOfWork } from '../transaction/index.js';

/**
 * A scheduled job: runs every `everyMs` through the same path as a request
 * (context, one transaction, outbox, behaviour log). On PostgreSQL a tick is
 * taken by one replica of the service, not each (takeTick); jobs still act
 * through conditional updates, so a tick taken twice does no harm.
 */
/** The most rows a job's run takes on: a run is one transaction among requests, so it stays short; the next run takes the next rows. */
export const JOB_BATCH = 200;

export interface JobDefinition<DB> {
  name: string;
  everyMs: number;
  /**
   * Jobs run for no one brand: without this, any query on a brand's table is refused.
   * A job that sweeps every brand's rows says why here (it runs inside acrossTenants).
   */
  acrossTenants?: string;
  /**
   * `uow` is for work the run leaves to do after its commit (an afterCommit effect, such as an
   * HTTP call that must not hold the database) and that writes again when it is done.
   */
  run(tx: Tx<DB>, uow: UnitOfWork<DB>): Promise<void>;
}

/** PostgreSQL: when each job of the service last ran, on whichever replica, so the replicas take its ticks between them. */
export const jobMigrations: Migrations = {
  '0002-kit-job-runs': async (db, dialect) => {
    if (dialect !== 'postgres') return;
    await db.schema.createTable('job_run').addColumn('job', 'text', (c) => c.primaryKey()).addColumn('ran_at', 'timestamptz', (c) => c.notNull()).execute();
  },
};

/** A job is due again once this share of its interval has passed since it last ran: replicas' timers drift, and none fires early. */
const DUE_AFTER = 0.9;

/**
 * Whether this replica takes this tick of `job` (PostgreSQL), inside the
 * tick's own transaction: under an advisory lock keyed by service and job, so
 * one replica decides at a time and a replica whose tick comes while another
 * runs the job skips it, the job is due when it last ran (on any replica) at
 * least DUE_AFTER of its interval ago, and taking it records the time. If the
 * job fails, the record rolls back with it and the next tick, anywhere, runs it.
 */
async function takeTick(db: Kysely<unknown>, service: string, job: Pick<JobDefinition<unknown>, 'name' | 'everyMs'>): Promise<boolean> {
  if (!(await tryTransactionLock(db, `${service}/${job.name}`))) return false;
  const taken = await sql`insert into job_run (job, ran_at) values (${job.name}, now())
    on conflict (job) do update set ran_at = now() where job_run.ran_at <= now() - ${`${Math.floor(job.everyMs * DUE_AFTER)} milliseconds`}::interval
    returning job`.execute(db);
  return taken.rows.length > 0;
}

export class JobScheduler<DB> {
  private timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly service: string,
    private readonly jobs: JobDefinition<DB>[],
    private readonly uow: UnitOfWork<DB>,
    private readonly logger: Logger,
    /** SQLite has one writer per service: every tick is its own. */
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  start(): void {
    for (const job of this.jobs) {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        const run = this.runOnce(job).finally(() => {
          busy = false;
          this.running.delete(run);
        });
        this.running.add(run);
      }, job.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Runs one tick of `job`, unless (PostgreSQL) another replica has it: a tick skipped so leaves no behaviour record. */
  async runOnce(job: JobDefinition<DB>): Promise<void> {
    const requestId = randomUUID();
    const span = startSpan(`job ${job.name}`, {}, SpanKind.INTERNAL);
    const started = performance.now();
    let status = 'ok';
    let error: unknown;
    let taken = true;
    await runWithContext(
      withDeadline(
        { service: this.service, requestId, acrossTenants: job.acrossTenants, traceparent: span.traceparent, traceId: span.traceId },
        Math.max(job.everyMs, 30_000),
      ),
      async () => {
        try {
          await this.uow.run(
            async (tx) => {
              taken = this.dialect === 'sqlite' || (await takeTick(tx.db as Kysely<unknown>, this.service, job));
              if (taken) await job.run(tx, this.uow);
            },
            { background: true },
          );
        } catch (e) {
          status = 'failed';
          error = e;
        }
      },
    );
    span.end(error);
    if (!taken) return;
    behaviourLog(this.logger, {
      service: this.service,
      kind: 'job',
      action: job.name,
      status,
      latencyMs: Math.round(performance.now() - started),
      requestId,
      traceId: span.traceId,
      error: error === undefined ? undefined : String(error),
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all(this.running);
  }
}
