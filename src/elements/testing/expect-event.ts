/** Resolves with the next `type` event on `target`, or rejects after `timeoutMs`. */
export function expectEvent<K extends keyof GlobalEventHandlersEventMap>(
  target: EventTarget,
  type: K,
  timeoutMs = 2000,
): Promise<GlobalEventHandlersEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, handle);
      reject(new Error(`No ${type} event within ${timeoutMs} ms`));
    }, timeoutMs);
    function handle(event: Event) {
      clearTimeout(timer);
      target.removeEventListener(type, handle);
      resolve(event as GlobalEventHandlersEventMap[K]);
    }
    target.addEventListener(type, handle);
  });
}
