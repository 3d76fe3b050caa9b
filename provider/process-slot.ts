/**
 * Per-process state of the provider (stack config from configure, the node cache, identity checks,
 * owned networks), kept on the `process` object under a fixed key rather than in module variables.
 *
 * Why `process`: one provider host can run more than one copy of this code. Resources created by
 * pulumi-tfgrid 0.1.0 carry their provider's packed code in their state, and the host runs that
 * copy (loaded with `vm`, so with module variables of its own) beside the installed package that
 * the references load (provider-reference.ts). The 0.1.0 code keeps its config and node cache on
 * `process` under these same keys and in these same shapes, so every copy reads what the other
 * stored: one configure's values, one node cache. So a slot's key and value shape never change;
 * new state gets a new key.
 */

/** One value on `process`: created by `init` on first use, in this process. */
export interface ProcessSlot<T> {
  /** The value, created by `init` when absent. */
  get(): T;
  /** Replaces the value. */
  set(value: T): void;
  /** Whether the value exists (without creating it). */
  has(): boolean;
  /** Forgets the value (tests); the next `get` creates a fresh one. */
  clear(): void;
}

type Slots = Record<string, unknown>;

// The one place `process` is seen as a bag of slots.
const slots = (): Slots => process as unknown as Slots;

export function processSlot<T>(key: string, init: () => T): ProcessSlot<T> {
  return {
    get() {
      const all = slots();
      if (!(key in all) || all[key] === undefined) all[key] = init();
      return all[key] as T;
    },
    set(value) {
      slots()[key] = value;
    },
    has: () => slots()[key] !== undefined,
    clear() {
      delete slots()[key];
    },
  };
}
