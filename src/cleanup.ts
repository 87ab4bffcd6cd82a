// A LIFO stack of undo actions. Every acquisition (loop device, mapping, mount)
// pushes its undo before the next step starts; the stack runs on success, on error
// and on SIGINT / SIGTERM, newest first, and keeps going past a failing undo.
import { log } from './log.js';

export interface UndoStep {
  label: string;
  undo: () => Promise<void> | void;
}

export interface UnwindReport {
  done: string[];
  failed: { label: string; error: unknown }[];
}

/** One run's undo stack. */
export class CleanupStack {
  private steps: UndoStep[] = [];
  private unwinding: Promise<UnwindReport> | undefined;

  /** Registers an undo; returns a function that drops it (after a manual undo). */
  push(label: string, undo: () => Promise<void> | void): () => void {
    const step = { label, undo };
    this.steps.push(step);
    return () => {
      this.steps = this.steps.filter((s) => s !== step);
    };
  }

  get size(): number {
    return this.steps.length;
  }

  labels(): string[] {
    return this.steps.map((s) => s.label);
  }

  /** Undoes the newest step now (a step whose work is done, like a probe mount). */
  async popAndUndo(): Promise<void> {
    const step = this.steps.pop();
    if (!step) return;
    log.verbose(`undo: ${step.label}`);
    await step.undo();
  }

  /** Runs every undo, newest first. Safe to call twice: the second call waits for the first. */
  unwind(): Promise<UnwindReport> {
    if (!this.unwinding) {
      this.unwinding = this.doUnwind().finally(() => {
        this.unwinding = undefined;
      });
    }
    return this.unwinding;
  }

  private async doUnwind(): Promise<UnwindReport> {
    const report: UnwindReport = { done: [], failed: [] };
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        log.verbose(`undo: ${step.label}`);
        await step.undo();
        report.done.push(step.label);
      } catch (error) {
        report.failed.push({ label: step.label, error });
        log.warn(`could not undo "${step.label}": ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return report;
  }
}

/**
 * Runs `body` with a fresh stack that is always unwound afterwards, also when
 * SIGINT or SIGTERM arrives; on a signal the process exits 130 / 143 after unwinding.
 */
export async function withCleanup<T>(body: (stack: CleanupStack) => Promise<T>): Promise<T> {
  const stack = new CleanupStack();
  const onSignal = (signal: NodeJS.Signals) => {
    log.error(`xen2kvm: ${signal} received; undoing what this run set up…`);
    void stack.unwind().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
    const h = () => onSignal(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    return await body(stack);
  } finally {
    await stack.unwind();
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
