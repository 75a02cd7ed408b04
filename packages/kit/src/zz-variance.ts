import type { Kysely } from 'kysely';
interface A { outbox: { id: string } }
interface S extends A { foo: { x: number } }
declare const s: Kysely<S>;
const a: Kysely<A> = s;
function g<DB extends A>(db: Kysely<DB>): Kysely<A> { return db; }
void a; void g;
