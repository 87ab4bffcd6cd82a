// One run's undo machinery: a cleanup stack (run on success, error and signals)
// whose every acquisition is also journaled on disk for `xen2kvm cleanup`.
import { withCleanup } from './cleanup.js';
import { Journal } from './image/journal.js';
import { Acquirer } from './image/acquire.js';

export async function withSession<T>(command: string, body: (acq: Acquirer) => Promise<T>): Promise<T> {
  return withCleanup(async (stack) => {
    const journal = new Journal(command);
    // Pushed first, so it runs last: the journal goes once everything is undone.
    stack.push('remove the run journal', () => {
      if (journal.entries.length === 0) journal.close();
    });
    return body(new Acquirer(stack, journal));
  });
}
