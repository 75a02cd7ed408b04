import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openWalFile } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'omnishop-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WAL file', () => {
  it('keeps its log small by checkpointing on its own thread, and loses no commit', async () => {
    const path = join(dir, 'shop.db');
    const wal = openWalFile(path);
    wal.file.exec('create table item (id integer primary key, body blob not null)');
    const insert = wal.file.prepare('insert into item (body) values (?)');
    const tenPages = wal.file.transaction(() => {
      for (let i = 0; i < 10; i++) insert.run(Buffer.alloc(4096, i));
    });
    for (let i = 0; i < 300; i++) {
      tenPages();
      await wal.durable();
      if (i % 10 === 0) await sleep(10);
    }
    // 3,000 pages (12 MB) committed: without checkpoints the log would hold them all until SQLite's own
    // fallback at 10,000 pages. Checkpointed while the writer pauses, the log is started over at the
    // next commit and cut back to 4 MB.
    await sleep(400);
    tenPages();
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(4 * 1024 * 1024 + 11 * 4096 + 32);
    await wal.close();

    const reopened = new SQLite(path, { readonly: true });
    expect(reopened.prepare('select count(*) as n from item').get()).toEqual({ n: 3010 });
    reopened.close();
  });
});
