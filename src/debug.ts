// A hook for the crash tests: with XEN2KVM_PAUSE_AT=STAGE the run stops at that
// stage (and says so on stderr) until it is killed, so a test can SIGKILL it with
// devices attached and check that `xen2kvm cleanup` undoes everything.
import { checkInterrupted, sleepInterruptibly } from './cleanup.js';

export async function pausePoint(stage: string): Promise<void> {
  checkInterrupted();
  // XEN2KVM_CRASH_AT=STAGE: an exception nothing catches (as a progress renderer's would be), for the undo-on-crash test.
  if (process.env.XEN2KVM_CRASH_AT === stage) {
    setImmediate(() => {
      throw new Error(`a crash asked for at ${stage} (XEN2KVM_CRASH_AT)`);
    });
    await sleepInterruptibly(60 * 1000);
  }
  if (process.env.XEN2KVM_PAUSE_AT !== stage) return;
  process.stderr.write(`xen2kvm: paused at ${stage} (pid ${process.pid})\n`);
  await sleepInterruptibly(10 * 60 * 1000);
}
