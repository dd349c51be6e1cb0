/**
 * partyserver 0.5 keeps a fallback copy of each object's name in its storage (`__ps_name`): on an object's first
 * start it reads the key and, when missing, writes it, for the runtimes and entry points that leave `ctx.id.name`
 * unset. Every inbox is addressed by name, and the inbox keeps its own copy of it in its profile row for the one
 * entry point seen without it (an alarm that wakes it after a local restart; InboxStore.rememberName). partyserver's
 * copy only cost every new user a storage read, a key-value table and a write on connect (bench/results/README.md),
 * so the state partyserver reads through `this.ctx` answers that read with the inbox's name, and partyserver has
 * nothing to write. (The runtime's base class takes only the real state: UserInbox passes it to `super` and
 * redefines `ctx` after.) Written by hand because partyserver offers no option for it.
 */
const NAME_KEY = '__ps_name';

/**
 * The object's state as partyserver's Server should see it: the same, except that reading its name record answers
 * `name`, the object's name as the inbox knows it (`ctx.id.name`, or its own copy when an alarm woke it without one).
 */
export function withNameRecord(ctx: DurableObjectState, name: string): DurableObjectState {
  if (!name) return ctx;
  const storage = ctx.storage;
  const realGet = storage.get.bind(storage) as (key: unknown, options?: unknown) => Promise<unknown>;
  const get = (key: unknown, options?: unknown) => (key === NAME_KEY ? Promise.resolve(name) : realGet(key, options));
  const storageView = new Proxy(storage, {
    get(target, property) {
      if (property === 'get') return get;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(ctx, {
    get(target, property) {
      if (property === 'storage') return storageView;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
