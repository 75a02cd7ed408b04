import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { preparedNameOf } from './statement.js';
import { isStalePlan } from './unavailable.js';

/** What a `begin` answers, and a `commit` already made: Kysely reads only the command. */
const answer = (command: string) => ({ command, rowCount: null, rows: [], fields: [] });

/** The protocol messages pg's Query sends on its connection. */
interface Connection {
  stream: { cork(): void; uncork(): void };
  parse(query: { text: string; name?: string; types?: unknown[] }): void;
  bind(config: Record<string, unknown>): void;
  execute(config: Record<string, unknown>): void;
  sync(): void;
}

/** pg's Query, as far as it is used here: its types leave out the protocol side. */
interface ProtocolQuery {
  callback?: (error: Error | null, result: pg.QueryResult) => void;
  submit(connection: Connection): Error | null;
  handleCommandComplete(msg: unknown, connection: Connection): void;
  /** The statement's Execute and Sync, the last of its messages, sent only once the rest were. */
  _getRows(connection: Connection, rows: number | undefined): void;
  portal: string;
}
const Query = pg.Query as unknown as new (config: { name?: string; text: string; values: unknown[] }) => ProtocolQuery;

/** A command of no values run in the extended protocol: Parse, Bind, Execute, and no Sync of its own. */
function command(connection: Connection, text: string): void {
  connection.parse({ text });
  connection.bind({});
  connection.execute({});
}

/**
 * A statement sent in one write with the `begin` of its transaction ahead of it, the `commit` after it,
 * or both, and one Sync: the server answers with one ReadyForQuery, so pg's client sees one query.
 * Should the statement fail, the server skips to the Sync and the commit is never run. Until begin's
 * CommandComplete it hides its name, so the client does not take begin's ParseComplete for the
 * statement's; the CommandCompletes of begin and commit are not the statement's result.
 */
class PipelinedQuery extends Query {
  private phase: 'begin' | 'statement' | 'commit' = 'statement';
  // Declared only: pg's constructor sets it through the accessor, and a field would then be reset to undefined.
  declare private statementName: string | undefined;
  declare private readonly around: { begin: boolean; commit: boolean };

  constructor(config: { name?: string; text: string; values: unknown[] }, around: { begin: boolean; commit: boolean }) {
    super(config);
    this.around = around;
  }

  get name(): string | undefined {
    return this.phase === 'begin' ? undefined : this.statementName;
  }
  set name(name: string | undefined) {
    this.statementName = name;
  }

  override submit(connection: Connection): Error | null {
    connection.stream.cork();
    try {
      if (this.around.begin) command(connection, 'begin');
      const refused = super.submit(connection);
      if (refused === null && this.around.begin) this.phase = 'begin';
      return refused;
    } finally {
      connection.stream.uncork();
    }
  }

  // Reached only once the statement's messages were written (not when its values could not be sent).
  override _getRows(connection: Connection, rows: number | undefined): void {
    if (!this.around.commit || rows) return super._getRows(connection, rows);
    connection.execute({ portal: this.portal });
    command(connection, 'commit');
    connection.sync();
  }

  override handleCommandComplete(msg: unknown, connection: Connection): void {
    if (this.phase === 'statement') super.handleCommandComplete(msg, connection);
    this.phase = this.phase === 'begin' ? 'statement' : 'commit';
  }
}

/** Set around the last statement of a transaction (see lastInTransaction). */
const last = new AsyncLocalStorage<true>();

/**
 * Runs `work`, whose one query is the last of its transaction before the commit: on PostgreSQL the
 * commit goes with it, and the transaction's own commit then has nothing left to do. Nothing may
 * follow it in the transaction.
 */
export const lastInTransaction = <T>(work: () => Promise<T>): Promise<T> => last.run(true, work);

/**
 * A PostgreSQL connection that spends fewer round trips per transaction, each of them a write and a
 * wake-up on both sides (the largest share of a distributed service's own CPU in the bench):
 *
 * - Each statement's text (see statement) runs as a named prepared statement, parsed and planned
 *   once per connection. One prepared before a migration that changed its table's columns (another
 *   replica's, in a rolling upgrade) fails once (isDatabaseUnavailable: a 503, tried again); from
 *   then on this connection runs that text unnamed.
 * - A transaction's `begin` waits for its first statement and goes with it, and its `commit` goes
 *   with the statement run as lastInTransaction (PipelinedQuery). Before anything else (a commit of
 *   an empty transaction, a statement without values) the waiting begin is sent on its own.
 */
export class PostgresClient extends pg.Client {
  private readonly outlived = new Set<string>();
  private beginWaiting = false;
  private committed = false;

  // Kysely calls query(text, values); every other form is passed on as it came.
  override query(config: unknown, values?: unknown, callback?: unknown) {
    const kysely = typeof config === 'string' && Array.isArray(values) && callback === undefined;
    if (kysely && config === 'begin' && !this.beginWaiting) {
      this.beginWaiting = true;
      return Promise.resolve(answer('BEGIN'));
    }
    if (this.committed) {
      this.committed = false;
      if (kysely && config === 'commit') return Promise.resolve(answer('COMMIT'));
    }
    const text = kysely && !this.outlived.has(config) ? config : undefined;
    const name = text && preparedNameOf(text);
    const pipelined = kysely && (name !== undefined || (values as unknown[]).length > 0);
    const commit = pipelined && last.getStore() === true;
    if (pipelined && (this.beginWaiting || commit)) {
      const begin = this.beginWaiting;
      this.beginWaiting = false;
      return this.run(new PipelinedQuery({ name, text: config, values: values as unknown[] }, { begin, commit }), config).then((result) => {
        this.committed = commit;
        return result;
      });
    }
    if (this.beginWaiting) {
      this.beginWaiting = false;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one override of pg's many overloads
      return (super.query as any)('begin').then(() => this.query(config, values, callback));
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one override of pg's many overloads
    if (!name) return (super.query as any)(config, values, callback);
    return this.run(new Query({ name, text, values: values as unknown[] }), text);
  }

  private run(query: ProtocolQuery, text: string): Promise<pg.QueryResult> {
    return new Promise<pg.QueryResult>((resolve, reject) => {
      query.callback = (error, result) => {
        if (!error) return resolve(result);
        if (isStalePlan(error)) this.outlived.add(text);
        reject(error);
      };
      super.query(query as unknown as pg.QueryConfig);
    });
  }
}
