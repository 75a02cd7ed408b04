import pg from 'pg';
import { preparedNameOf } from './statement.js';
import { isStalePlan } from './unavailable.js';

/** What a `begin` answers: Kysely reads nothing of it. */
const BEGUN = { command: 'BEGIN', rowCount: null, rows: [], fields: [] };

/** The protocol messages pg's Query sends on its connection, and the two events it reads here. */
interface Connection {
  stream: { cork(): void; uncork(): void };
  parse(query: { text: string; name?: string; types?: unknown[] }): void;
  bind(config: Record<string, unknown>): void;
  execute(config: Record<string, unknown>): void;
}

/** pg's Query, as far as it is used here: its types leave out the protocol side. */
interface ProtocolQuery {
  callback?: (error: Error | null, result: pg.QueryResult) => void;
  submit(connection: Connection): Error | null;
  handleCommandComplete(msg: unknown, connection: Connection): void;
}
const Query = pg.Query as unknown as new (config: { name?: string; text: string; values: unknown[] }) => ProtocolQuery;

/**
 * A statement sent together with the `begin` of its transaction, in one write: begin's Parse, Bind
 * and Execute, then the statement's messages and one Sync, so the server answers both with one
 * ReadyForQuery and pg's client sees one query. Until begin's CommandComplete it hides its name,
 * so the client does not take begin's ParseComplete for the statement's.
 */
class BeganQuery extends Query {
  private beginPending = false;
  // Declared only: pg's constructor sets it through the accessor, and a field would then be reset to undefined.
  declare private statementName: string | undefined;

  get name(): string | undefined {
    return this.beginPending ? undefined : this.statementName;
  }
  set name(name: string | undefined) {
    this.statementName = name;
  }

  override submit(connection: Connection): Error | null {
    connection.stream.cork();
    try {
      connection.parse({ text: 'begin' });
      connection.bind({});
      connection.execute({});
      const refused = super.submit(connection);
      this.beginPending = refused === null;
      return refused;
    } finally {
      connection.stream.uncork();
    }
  }

  override handleCommandComplete(msg: unknown, connection: Connection): void {
    if (this.beginPending) {
      this.beginPending = false; // begin's, not the statement's
      return;
    }
    super.handleCommandComplete(msg, connection);
  }
}

/**
 * A PostgreSQL connection that spends fewer round trips per transaction, each of them a write and a
 * wake-up on both sides (the largest share of a distributed service's own CPU in the bench):
 *
 * - Each statement's text (see statement) runs as a named prepared statement, parsed and planned
 *   once per connection. One prepared before a migration that changed its table's columns (another
 *   replica's, in a rolling upgrade) fails once (isDatabaseUnavailable: a 503, tried again); from
 *   then on this connection runs that text unnamed.
 * - A transaction's `begin` waits for its first statement and goes with it (BeganQuery). Anything
 *   else first (a commit of an empty transaction, a statement without values) sends it on its own.
 */
export class PostgresClient extends pg.Client {
  private readonly outlived = new Set<string>();
  private beginWaiting = false;

  // Kysely calls query(text, values); every other form is passed on as it came.
  override query(config: unknown, values?: unknown, callback?: unknown) {
    const kysely = typeof config === 'string' && Array.isArray(values) && callback === undefined;
    if (kysely && config === 'begin' && !this.beginWaiting) {
      this.beginWaiting = true;
      return Promise.resolve(BEGUN);
    }
    const text = kysely && !this.outlived.has(config) ? config : undefined;
    const name = text && preparedNameOf(text);
    if (this.beginWaiting) {
      this.beginWaiting = false;
      if (kysely && (name || (values as unknown[]).length > 0)) return this.run(new BeganQuery({ name, text: config, values: values as unknown[] }), config);
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
