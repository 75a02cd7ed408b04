import { describe, expect, it } from 'vitest';
import { decoyHash, hashPassword, verifyPassword } from '../domain/password.js';

describe('password hashing', () => {
  it('a hash verifies its own password and no other', async () => {
    const hash = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapl', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('is scrypt with its parameters and a per-user salt: one password, two different hashes', async () => {
    const [a, b] = [await hashPassword('same password'), await hashPassword('same password')];
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same password');
  });

  it('treats the same text in another Unicode form as the same password', async () => {
    const hash = await hashPassword('caf\u00e9-password');
    await expect(verifyPassword('cafe\u0301-password', hash)).resolves.toBe(true);
  });

  it('a malformed or foreign hash matches nothing', async () => {
    for (const stored of ['', 'plain', 'bcrypt$x$y', 'scrypt$16384$8$1$$']) await expect(verifyPassword('x', stored)).resolves.toBe(false);
  });

  it('the decoy hash (for unknown users) is a real hash that nobody’s password matches', async () => {
    const decoy = await decoyHash();
    expect(decoy).toMatch(/^scrypt\$/);
    await expect(verifyPassword('password', decoy)).resolves.toBe(false);
  });
});
