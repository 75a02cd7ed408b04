/**
 * After a run of failed sign-ins a user is locked for a while: a password
 * cannot be guessed at the speed of the network. While locked, even the right
 * password is refused, with the same answer as a wrong one.
 */
export const LOCKOUT = { failures: 5, seconds: 60 };

export interface SignInState {
  failedAttempts: number;
  lockedUntil: string | null;
}

export function isLocked(state: SignInState, now: Date): boolean {
  return state.lockedUntil !== null && new Date(state.lockedUntil).getTime() > now.getTime();
}

/** The state after one more failed sign-in: every LOCKOUT.failures in a row locks the user. */
export function afterFailure(state: SignInState, now: Date): SignInState {
  const failedAttempts = state.failedAttempts + 1;
  const lockedUntil = failedAttempts % LOCKOUT.failures === 0 ? new Date(now.getTime() + LOCKOUT.seconds * 1000).toISOString() : state.lockedUntil;
  return { failedAttempts, lockedUntil };
}

export const afterSuccess = (): SignInState => ({ failedAttempts: 0, lockedUntil: null });
