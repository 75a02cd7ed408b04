import type {
  DeleteQueryNode,
  InsertQueryNode,
  JoinNode,
  SelectQueryNode,
  UpdateQueryNode} from 'kysely';
import {
  AliasNode,
  AndNode,
  BinaryOperationNode,
  ColumnNode,
  IdentifierNode,
  ListNode,
  OperatorNode,
  ParensNode,
  PrimitiveValueListNode,
  ReferenceNode,
  TableNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
  WhereNode,
  sql,
  type ColumnUpdateNode,
  type Kysely,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { currentContext } from '../context/index.js';

/** The column that says which brand a row belongs to. */
export const TENANT_COLUMN = 'tenant';

/** A query that would reach past the caller's brand: a bug in the code that built it, never the caller's fault. */
export class TenantScopeError extends Error {
  override name = 'TenantScopeError';
}

type Condition = OperationNode;

const and = (left: Condition, right: Condition): Condition => AndNode.create(ParensNode.create(left), right);
const withWhere = <N extends { where?: WhereNode }>(node: N, conditions: Condition[]): N => {
  if (!conditions.length) return node;
  const scope = conditions.reduce((a, b) => AndNode.create(a, b));
  return { ...node, where: WhereNode.create(node.where ? and(node.where.where, scope) : scope) };
};

/**
 * Rewrites one query so it touches only the context tenant's rows: every
 * table with a tenant column that the query reads, updates or deletes from
 * (FROM, JOIN, UPDATE ... FROM, DELETE ... USING, at any depth: subqueries,
 * CTEs) gets `<table or alias>.tenant = <tenant>`; an INSERT gets the tenant
 * filled in, or is refused when it names another; an upsert never updates
 * another tenant's row.
 */
/** Nodes with no query inside: not walked into (a value may even be an object that looks like a node). */
const LEAVES = new Set(['ValueNode', 'PrimitiveValueListNode', 'IdentifierNode', 'ColumnNode', 'TableNode', 'ReferenceNode', 'OperatorNode', 'SelectAllNode']);

class TenantScoper {
  /** Set for each query just before its (synchronous) rewrite. */
  tenant: string | undefined;

  constructor(private readonly tables: ReadonlySet<string>) {}

  /**
   * Scopes every query node in the tree, innermost first. Unlike Kysely's
   * OperationNodeTransformer, which copies (and freezes) every node of every
   * query, it copies only the nodes on the way to a query it changed: this
   * runs on every query the platform makes.
   */
  scope<N extends OperationNode>(node: N): N {
    if (LEAVES.has(node.kind)) return node;
    const fields = node as unknown as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key in fields) {
      const value = fields[key];
      if (!value || typeof value !== 'object') continue;
      let scoped: unknown = value;
      if (Array.isArray(value)) {
        let items: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const item = value[i] as OperationNode;
          if (!item || typeof item !== 'object' || typeof item.kind !== 'string') continue;
          const next = this.scope(item);
          if (next !== item) (items ??= value.slice())[i] = next;
        }
        if (items) scoped = items;
      } else if (typeof (value as OperationNode).kind === 'string') {
        scoped = this.scope(value as OperationNode);
      }
      if (scoped !== value) (copy ??= { ...fields })[key] = scoped;
    }
    const walked = (copy ?? node) as unknown as OperationNode;
    switch (walked.kind) {
      case 'SelectQueryNode':
        return this.scopeSelect(walked as SelectQueryNode) as unknown as N;
      case 'UpdateQueryNode':
        return this.scopeUpdate(walked as UpdateQueryNode) as unknown as N;
      case 'DeleteQueryNode':
        return this.scopeDelete(walked as DeleteQueryNode) as unknown as N;
      case 'InsertQueryNode':
        return this.scopeInsert(walked as InsertQueryNode) as unknown as N;
      default:
        return walked as N;
    }
  }

  /** The reference to the tenant column of a FROM/JOIN item, if it is a tenant table; subqueries scope themselves. */
  private tenantOf(item: OperationNode): ReferenceNode | undefined {
    let table: TableNode | undefined;
    let name: TableNode | undefined;
    if (TableNode.is(item)) table = name = item;
    else if (AliasNode.is(item) && TableNode.is(item.node) && IdentifierNode.is(item.alias)) {
      table = item.node;
      name = TableNode.create(item.alias.name);
    }
    if (!table || !name || !this.tables.has(table.table.identifier.name)) return undefined;
    return ReferenceNode.create(ColumnNode.create(TENANT_COLUMN), name);
  }

  private condition(item: OperationNode): Condition | undefined {
    const column = this.tenantOf(item);
    if (!column) return undefined;
    return BinaryOperationNode.create(column, OperatorNode.create('='), ValueNode.create(this.requireTenant(item)));
  }

  private requireTenant(item: OperationNode): string {
    if (this.tenant) return this.tenant;
    const table = TableNode.is(item) ? item : AliasNode.is(item) && TableNode.is(item.node) ? item.node : undefined;
    throw new TenantScopeError(
      `query on ${table?.table.identifier.name ?? 'a tenant table'} with no tenant in context: run it for a brand, or inside acrossTenants(reason, ...) when it truly spans brands`,
    );
  }

  private conditions(items: readonly OperationNode[] | undefined): Condition[] {
    return (items ?? []).flatMap((item) => this.condition(item) ?? []);
  }

  /** Joins with an ON get the condition there (so a LEFT JOIN stays a left join); others leave it to the WHERE. */
  private scopeJoins(joins: readonly JoinNode[] | undefined, where: Condition[]): JoinNode[] | undefined {
    return joins?.map((join) => {
      const condition = this.condition(join.table);
      if (!condition) return join;
      if (!join.on) {
        where.push(condition);
        return join;
      }
      return { ...join, on: { ...join.on, on: and(join.on.on, condition) } };
    });
  }

  /** Refuses `set tenant = ...` to anything but the context tenant: rows never move between brands. */
  private checkUpdates(table: string, updates: readonly ColumnUpdateNode[] | undefined): void {
    for (const update of updates ?? []) {
      if (!ColumnNode.is(update.column) || update.column.column.name !== TENANT_COLUMN) continue;
      if (!ValueNode.is(update.value) || update.value.value !== this.requireTenant(TableNode.create(table))) {
        throw new TenantScopeError(`update of ${table} sets ${TENANT_COLUMN} to another brand`);
      }
    }
  }

  private scopeSelect(scoped: SelectQueryNode): SelectQueryNode {
    const where = this.conditions(scoped.from?.froms);
    const joins = this.scopeJoins(scoped.joins, where);
    return withWhere({ ...scoped, ...(joins ? { joins } : {}) }, where);
  }

  private scopeUpdate(scoped: UpdateQueryNode): UpdateQueryNode {
    const targets = scoped.table ? (ListNode.is(scoped.table) ? scoped.table.items : [scoped.table]) : [];
    for (const target of targets) {
      const column = this.tenantOf(target);
      if (column) this.checkUpdates(column.table!.table.identifier.name, scoped.updates);
    }
    const where = [...this.conditions(targets), ...this.conditions(scoped.from?.froms)];
    const joins = this.scopeJoins(scoped.joins, where);
    return withWhere({ ...scoped, ...(joins ? { joins } : {}) }, where);
  }

  private scopeDelete(scoped: DeleteQueryNode): DeleteQueryNode {
    const where = [...this.conditions(scoped.from.froms), ...this.conditions(scoped.using?.tables)];
    const joins = this.scopeJoins(scoped.joins, where);
    return withWhere({ ...scoped, ...(joins ? { joins } : {}) }, where);
  }

  private scopeInsert(scoped: InsertQueryNode): InsertQueryNode {
    const into = scoped.into;
    if (!into || !this.tables.has(into.table.identifier.name)) return scoped;
    const table = into.table.identifier.name;
    const tenant = this.requireTenant(into);
    if (!scoped.values || !ValuesNode.is(scoped.values)) {
      throw new TenantScopeError(`insert into ${table} from a query or defaults: its ${TENANT_COLUMN} cannot be checked; insert values`);
    }
    const columns = scoped.columns ?? [];
    const at = columns.findIndex((c) => c.column.name === TENANT_COLUMN);
    const rows = scoped.values.values.map((row) => {
      if (at < 0) return PrimitiveValueListNode.is(row) ? PrimitiveValueListNode.create([...row.values, tenant]) : ValueListNode.create([...row.values, ValueNode.create(tenant)]);
      const given = PrimitiveValueListNode.is(row) ? row.values[at] : ValueNode.is(row.values[at]!) ? (row.values[at] as ValueNode).value : undefined;
      if (given !== tenant) throw new TenantScopeError(`insert into ${table} for another brand than the one in context`);
      return row;
    });
    let onConflict = scoped.onConflict;
    if (onConflict?.updates) {
      this.checkUpdates(table, onConflict.updates);
      // An upsert whose conflict target lacks the tenant could hit another brand's row: that row is left alone.
      const own = BinaryOperationNode.create(ReferenceNode.create(ColumnNode.create(TENANT_COLUMN), into), OperatorNode.create('='), ValueNode.create(tenant));
      onConflict = { ...onConflict, updateWhere: WhereNode.create(onConflict.updateWhere ? and(onConflict.updateWhere.where, own) : own) };
    }
    return {
      ...scoped,
      columns: at < 0 ? [...columns, ColumnNode.create(TENANT_COLUMN)] : columns,
      values: ValuesNode.create(rows),
      ...(onConflict ? { onConflict } : {}),
    };
  }
}

const SCOPED_KINDS = new Set<RootOperationNode['kind']>(['SelectQueryNode', 'InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode']);

/**
 * Brand isolation in the data layer: installed on every service database,
 * it scopes each query on a table with a tenant column to the tenant of the
 * current request, event or job (see TenantScoper), and refuses such a query
 * when there is no tenant in context, unless the work runs inside
 * `acrossTenants(reason, ...)`. Which tables have a tenant column is read from
 * the schema after migrations (`learn`), so a new table is covered without
 * anyone remembering to list it; until then every scoped query is refused.
 * Raw SQL (`sql\`...\``) is not parsed, hence not scoped.
 */
export class TenantScopePlugin implements KyselyPlugin {
  private scoper: TenantScoper | undefined;

  /** Reads which tables have a tenant column; call after migrations. */
  async learn(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
    const query =
      dialect === 'postgres'
        ? sql<{ name: string }>`select table_name as name from information_schema.columns where table_schema = current_schema() and column_name = ${TENANT_COLUMN}`
        : sql<{ name: string }>`select m.name as name from sqlite_master m join pragma_table_info(m.name) c where m.type = 'table' and c.name = ${TENANT_COLUMN}`;
    const names = (await query.execute(db)).rows.map((r) => r.name).sort();
    this.scoper = new TenantScoper(new Set(names));
    return names;
  }

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!SCOPED_KINDS.has(node.kind)) return node;
    const ctx = currentContext();
    if (ctx?.acrossTenants) return node;
    if (!this.scoper) throw new TenantScopeError('the tenant tables are not known yet: migrate the database first');
    this.scoper.tenant = ctx?.tenant;
    return this.scoper.scope(node);
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}
