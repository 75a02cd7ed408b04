import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openWalFile } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'omnishop-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAL file', () => {
  it('keeps every commit, and cuts its log back once it was checkpointed', async () => {
    const path = join(dir, 'shop.db');
    const wal = openWalFile(path);
    wal.file.exec('create table item (id integer primary key, body blob not null)');
    const insert = wal.file.prepare('insert into item (body) values (?)');
    const tenPages = wal.file.transaction(() => {
      for (let i = 0; i < 10; i++) insert.run(Buffer.alloc(4096, i));
    });
    for (let i = 0; i < 300; i++) {
      tenPages();
      if (i % 10 === 0) await wal.durable();
    }
    await wal.durable();
    // 12 MB of log, under the checkpoint threshold: then checkpointed, the next commit starts the log over, cut back to 4 MB.
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(12 * 1024 * 1024);
    wal.file.pragma('wal_checkpoint(PASSIVE)');
    tenPages();
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(4 * 1024 * 1024 + 11 * 4096 + 32);
    await wal.close();

    const reopened = new SQLite(path, { readonly: true });
    expect(reopened.prepare('select count(*) as n from item').get()).toEqual({ n: 3010 });
    reopened.close();
  });
});
