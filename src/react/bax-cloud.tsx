import { forwardRef, useCallback, useMemo, useState, type ComponentProps, type ForwardedRef } from 'react';
import type { BaxCloud as BaxCloudElement } from '../elements/bax-cloud/bax-cloud.js';
import { ClientScopeContext, useProvidedClient } from './client-scope.js';
import { BaxCloudTag } from './components.js';

export type BaxCloudProps = ComponentProps<typeof BaxCloudTag>;

/**
 * `<bax-cloud>`: connects the page as one user and shares the client with the elements inside it, and with
 * every hook (`useCallClient`, `useCallState`, …) of the components inside it. Its event props hear the events
 * of every calling element inside it.
 */
export const BaxCloud = forwardRef<BaxCloudElement, BaxCloudProps>(function BaxCloud(props, ref) {
  const [element, setElement] = useState<BaxCloudElement | null>(null);
  const client = useProvidedClient(element);
  const scope = useMemo(() => ({ client }), [client]);
  const bothRefs = useCallback(
    (node: BaxCloudElement | null) => {
      setElement(node);
      assignRef(ref, node);
    },
    [ref],
  );
  return (
    <ClientScopeContext.Provider value={scope}>
      <BaxCloudTag {...props} ref={bothRefs} />
    </ClientScopeContext.Provider>
  );
});

function assignRef<T>(ref: ForwardedRef<T>, value: T | null): void {
  if (typeof ref === 'function') ref(value);
  else if (ref) ref.current = value;
}
