import type { ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';

/** The latest value a hook returned, for tests to wait on. */
export interface Seen<T> {
  current: T | undefined;
  renders: number;
}

export function seen<T>(): Seen<T> {
  return { current: undefined, renders: 0 };
}

/** Renders nothing; records what `use` returns on every render. */
export function Probe<T>({ use, into }: { use: () => T; into: Seen<T> }): null {
  into.current = use();
  into.renders += 1;
  return null;
}

export interface Rendered {
  container: HTMLElement;
  rerender: (ui: ReactNode) => void;
  unmount: () => void;
}

const mounted = new Set<Rendered>();

/** Renders `ui` into a fresh container in the document, synchronously; later updates come as in any page. */
export function render(ui: ReactNode): Rendered {
  const container = document.body.appendChild(document.createElement('div'));
  const root = createRoot(container);
  flushSync(() => root.render(ui));
  const rendered: Rendered = {
    container,
    rerender: (next) => flushSync(() => root.render(next)),
    unmount: () => {
      mounted.delete(rendered);
      root.unmount();
      container.remove();
    },
  };
  mounted.add(rendered);
  return rendered;
}

/** Unmounts whatever the last test left rendered. */
export function cleanup(): void {
  for (const rendered of [...mounted]) rendered.unmount();
}
