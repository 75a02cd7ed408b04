// What every screen shares: htm bound to Preact, a refusal shown in words, and data loaded (again) on demand.
import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

export const Problem = ({ error }) => (error ? html`<p class="problem" role="alert">${error.message}</p>` : null);

/** Runs `load` now, again whenever `deps` change and whenever `reload()` is called; every `pollMs` too, when given. */
export function useLoad(load, deps, pollMs) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const run = useCallback(() => {
    let live = true;
    load()
      .then((data) => live && setState({ data, error: undefined, loading: false }))
      .catch((error) => live && setState((s) => ({ ...s, error, loading: false })));
    return () => (live = false);
  }, deps);
  useEffect(() => {
    const stop = run();
    const timer = pollMs ? setInterval(run, pollMs) : undefined;
    return () => (stop(), clearInterval(timer));
  }, [run]);
  return { ...state, reload: run };
}

/** An action's progress: what it returned or why it was refused. */
export function useAction() {
  const [state, setState] = useState({ busy: false, error: undefined });
  const act = async (fn) => {
    setState({ busy: true, error: undefined });
    try {
      const result = await fn();
      setState({ busy: false, error: undefined });
      return result;
    } catch (error) {
      setState({ busy: false, error });
      return undefined;
    }
  };
  return { ...state, act };
}
