// A LIFO stack of undo actions. Every acquisition (loop device, mapping, mount)
// pushes its undo before the next step starts; the stack runs on success, on error
// and on SIGINT / SIGTERM, newest first, and keeps going past a failing undo.
import { InterruptedError } from './errors.js';
import { log } from './log.js';

export interface UndoStep {
  label: string;
  undo: () => Promise<void> | void;
  /** Steps of one group next to each other on the stack are undone by one call (one umount, one losetup -d). */
  group?: UndoGroup;
  /** What the group's undoAll needs to know of this step. */
  item?: unknown;
}

/** How several steps of one kind are undone at once; each step's own undo is the fallback when that fails. */
export interface UndoGroup {
  key: string;
  undoAll: (steps: UndoStep[]) => Promise<void>;
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
  push(label: string, undo: () => Promise<void> | void, group?: { group: UndoGroup; item: unknown }): () => void {
    const step: UndoStep = { label, undo, ...group };
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
    const one = async (step: UndoStep) => {
      try {
        log.verbose(`undo: ${step.label}`);
        await step.undo();
        report.done.push(step.label);
      } catch (error) {
        report.failed.push({ label: step.label, error });
        log.warn(`could not undo "${step.label}": ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      const key = step.group?.key;
      const run = [step];
      while (key && this.steps.length > 0 && this.steps[this.steps.length - 1].group?.key === key) run.push(this.steps.pop()!);
      if (run.length === 1) {
        await one(step);
        continue;
      }
      // Newest first, in one call; should that fail, each step's own undo (they are safe to repeat).
      try {
        for (const s of run) log.verbose(`undo: ${s.label}`);
        await step.group!.undoAll(run);
        report.done.push(...run.map((s) => s.label));
      } catch (error) {
        log.verbose(`undoing ${run.length} steps at once failed (${error instanceof Error ? error.message : String(error)}); one by one`);
        for (const s of run) await one(s);
      }
    }
    return report;
  }
}

// Process-wide: every running session's stack, and whether a signal asked us to stop.
const active = new Set<CleanupStack>();
let interrupted: NodeJS.Signals | undefined;
const waiters = new Set<() => void>();
const exitCode = (sig: NodeJS.Signals) => (sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143);

/** The signal that asked this process to stop, if any. */
export function interruption(): NodeJS.Signals | undefined {
  return interrupted;
}

/** A safe point: throws InterruptedError once a signal asked us to stop, so the caller's undo runs. */
export function checkInterrupted(): void {
  if (interrupted) throw new InterruptedError(interrupted);
}

/** Waits `ms`, or until a signal asks us to stop (then throws InterruptedError). */
export async function sleepInterruptibly(ms: number): Promise<void> {
  checkInterrupted();
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
  });
  checkInterrupted();
}

async function forceExit(sig: NodeJS.Signals): Promise<never> {
  await Promise.all([...active].map((s) => s.unwind()));
  process.exit(exitCode(sig));
}

function onSignal(sig: NodeJS.Signals): void {
  if (interrupted) {
    log.error(`xen2kvm: ${sig} again; undoing everything now…`);
    void forceExit(sig);
    return;
  }
  interrupted = sig;
  log.error(`xen2kvm: ${sig} received; stopping at the next safe point and undoing what this run set up (send it again to stop at once)…`);
  for (const w of [...waiters]) w();
  // A step that never reaches a safe point (a hung command) does not keep us forever.
  setTimeout(() => void forceExit(sig), 60_000).unref();
}
/**
 * An exception nothing caught (a progress renderer's, a stream's): the undo of
 * every running session still runs before the process ends (exit 70).
 */
let crashing = false;
function onCrash(err: unknown): void {
  if (crashing) return;
  crashing = true;
  log.error(`xen2kvm: internal error: ${err instanceof Error ? err.message : String(err)}; undoing what this run set up…`);
  void Promise.all([...active].map((s) => s.unwind())).finally(() => process.exit(70));
}
const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM'), SIGHUP: () => onSignal('SIGHUP') };

/**
 * Runs `body` with a fresh stack that is always unwound afterwards. On SIGINT,
 * SIGTERM or SIGHUP the run stops at its next safe point (checkInterrupted), its undo runs,
 * and InterruptedError reaches the caller (exit 130 / 143); a second signal, or a
 * minute without a safe point, unwinds every running session and exits at once.
 */
export async function withCleanup<T>(body: (stack: CleanupStack) => Promise<T>): Promise<T> {
  const stack = new CleanupStack();
  if (active.size === 0) {
    process.on('SIGINT', handlers.SIGINT);
    process.on('SIGTERM', handlers.SIGTERM);
    process.on('SIGHUP', handlers.SIGHUP);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  }
  active.add(stack);
  try {
    checkInterrupted();
    return await body(stack);
  } finally {
    await stack.unwind();
    active.delete(stack);
    if (active.size === 0) {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
      process.off('SIGHUP', handlers.SIGHUP);
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  }
}
