// Kernel command lines (pure): what only means something under Xen, and the
// serial console a KVM guest needs. Shared by the boot-loader edits of every
// family and by the domain XML's direct-boot command line.

/** Splits a kernel command line into its words. */
export function splitArgs(cmdline: string): string[] {
  return cmdline.split(/\s+/).filter(Boolean);
}

/** A kernel argument that means something only under Xen: its consoles, xencons=, clocksource=xen, xen_* / xen-*. */
export function isXenOnlyArg(word: string): boolean {
  return /^console=(xvc|hvc)\d*/.test(word) || /^xencons=/.test(word) || word === 'clocksource=xen' || /^xen[_-]/.test(word);
}

/** Kernel arguments with the console moved off Xen's, onto tty0 + ttyS0 (ttyS0 last, so /dev/console is the serial line). */
export function serialConsoleArgs(args: string[], speed: number): string[] {
  const serial = `console=ttyS0,${speed}n8`;
  const settled = !args.some((a) => /^console=(xvc|hvc)\d*/.test(a)) && args.includes('console=tty0') && args.includes(serial)
    && args.filter((a) => a.startsWith('console=ttyS0')).length === 1;
  if (settled) return args;
  const kept = args.filter((a) => !/^console=(xvc|hvc)\d*/.test(a) && !/^console=ttyS0(,|$)/.test(a) && a !== 'console=tty0');
  return [...kept, 'console=tty0', serial];
}
