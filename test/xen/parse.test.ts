import t from 'tap';
import { InputError } from '../../src/errors.js';
import { parseXenConfig } from '../../src/xen/parse.js';

const parse = (text: string) => parseXenConfig(text, 'guest.cfg');
function problems(text: string): string[] {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof InputError) return e.message.split('\n');
    throw e;
  }
  return [];
}

t.test('a full RHEL 5 PV config', async (t) => {
  const g = parse(`name = "test1"
uuid = "4a07fde8-f244-2a6d-9603-85ff2179a9bb"
maxmem = 1024
memory = 512
vcpus = 2
cpus = "0-3,^2"
bootloader = "/usr/bin/pygrub"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
vfb = [ "type=vnc,vncunused=1,keymap=en-us" ]
disk = [ "tap:aio:/var/lib/xen/images/test1.img,xvda,w", "phy:/dev/vg/data,xvdb,r" ]
vif = [ "mac=00:16:3E:1a:d0:96,bridge=xenbr0", "mac=00:16:3e:1a:d0:97,bridge=xenbr1,script=vif-bridge" ]
`);
  t.equal(g.name, 'test1');
  t.equal(g.type, 'pv');
  t.equal(g.dialect, 'xm');
  t.equal(g.memoryMiB, 512);
  t.equal(g.maxmemMiB, 1024);
  t.equal(g.vcpus, 2);
  t.equal(g.cpuset, '0-3,^2');
  t.equal(g.bootloader, '/usr/bin/pygrub');
  t.equal(g.onCrash, 'preserve');
  t.same(g.graphics, { type: 'vnc', autoport: true, keymap: 'en-us', pos: { line: 11, column: 9 } });
  t.match(g.disks, [
    { driver: 'tap', sourceKind: 'file', path: '/var/lib/xen/images/test1.img', format: 'raw', vdev: 'xvda', readonly: false },
    { driver: 'phy', sourceKind: 'block', path: '/dev/vg/data', vdev: 'xvdb', readonly: true },
  ]);
  t.match(g.nics, [{ mac: '00:16:3e:1a:d0:96', bridge: 'xenbr0' }, { mac: '00:16:3e:1a:d0:97', bridge: 'xenbr1', script: 'vif-bridge' }]);
  t.same(g.unknownKeys, []);
});

t.test('defaults', async (t) => {
  const g = parse(`name = "x"\n`);
  t.equal(g.memoryMiB, 128);
  t.equal(g.maxmemMiB, 128);
  t.equal(g.vcpus, 1);
  t.equal(g.onPoweroff, 'destroy');
  t.equal(g.onReboot, 'restart');
  t.equal(g.onCrash, 'restart');
  t.equal(g.localtime, false);
  t.same(g.disks, []);
});

t.test('xl bootloader_args may be a list', async (t) => {
  const g = parse(`name = "x"\nbootloader = "pygrub"\nbootloader_args = [ "-q", "--entry=1" ]\n`);
  t.equal(g.bootloaderArgs, '-q --entry=1');
  t.equal(g.dialect, 'xl');
});

t.test('xl syntax parses', async (t) => {
  const g = parse(`name = "x"
type = "pv"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/initrd"
cmdline = "root=/dev/xvda1 console=hvc0"
cpus = ["2", "3"]
maxvcpus = 4
vcpus = 2
disk = [ 'format=qcow2, vdev=xvda, access=rw, target=/images/a,b.qcow2' ]
`);
  t.equal(g.dialect, 'xl');
  t.equal(g.kernel, '/boot/vmlinuz');
  t.equal(g.ramdisk, '/boot/initrd');
  t.equal(g.cmdline, 'root=/dev/xvda1 console=hvc0');
  t.equal(g.cpuset, '2,3');
  t.equal(g.maxvcpus, 4);
  t.match(g.disks[0], { path: '/images/a,b.qcow2', format: 'qcow2', vdev: 'xvda' });
});

t.test('xm root + extra make the command line', async (t) => {
  const g = parse(`name = "x"\nkernel = "/k"\nroot = "/dev/xvda1 ro"\nextra = "console=xvc0"\n`);
  t.equal(g.cmdline, 'root=/dev/xvda1 ro console=xvc0');
});

t.test('HVM: builder, kernel=hvmloader is not a guest kernel, boot order, features', async (t) => {
  const g = parse(`name = "h"\nbuilder = "hvm"\nkernel = "/usr/lib/xen/boot/hvmloader"\nboot = "dc"\nacpi = 0\nlocaltime = 1\nvnc = 1\nvncdisplay = 3\nvncunused = 0\nusbdevice = "tablet"\nserial = "pty"\npci = [ "01:00.0", "0000:02:00.1,permissive=1" ]\n`);
  t.equal(g.type, 'hvm');
  t.equal(g.kernel, undefined);
  t.equal(g.bootOrder, 'dc');
  t.equal(g.features.acpi, false);
  t.equal(g.localtime, true);
  t.match(g.graphics, { type: 'vnc', autoport: false, display: 3 });
  t.same(g.usbdevices, ['tablet']);
  t.match(g.serials, [{ kind: 'pty' }]);
  t.match(g.pci, [{ bus: 1, slot: 0, func: 0, permissive: false }, { bus: 2, func: 1, permissive: true }]);
});

t.test('unknown keys are kept with their lines', async (t) => {
  const g = parse(`name = "x"\nshadow_memory = 8\nvtpm = [ "backend=0" ]\n`);
  t.same(g.unknownKeys.map((k) => [k.key, k.pos.line]), [['shadow_memory', 2], ['vtpm', 3]]);
});

t.test('duplicate keys: the last wins, with a warning', async (t) => {
  const g = parse(`name = "x"\nmemory = 256\nmemory = 512\n`);
  t.equal(g.memoryMiB, 512);
  t.match(g.warnings[0], { code: 'setting-repeated', message: /guest\.cfg:3:1: memory is set again \(first at line 2\)/ });
});

t.test('maxmem below memory: one size for both, with a warning', async (t) => {
  const g = parse(`name = "x"\nmemory = 512\nmaxmem = 256\n`);
  t.equal(g.memoryMiB, 256);
  t.equal(g.maxmemMiB, 512);
  t.match(g.warnings, [{ code: 'maxmem-below-memory', message: /maxmem \(256\) is below memory/ }]);
});

// One case per class of bad input: message, file, line and column.
t.test('bad input: missing name', async (t) => {
  t.same(problems(`memory = 512\n`), ['guest.cfg:1:1: the guest has no name: add name = "GUEST"']);
});
t.test('bad input: unterminated list', async (t) => {
  t.same(problems(`name = "x"\ndisk = [ "phy:/dev/a,xvda,w",\nvif = [ ]\n`), [
    'guest.cfg:2:8: the list of disk opened here is not closed with ] before the next setting at line 3',
  ]);
});
t.test('bad input: unterminated string', async (t) => {
  t.same(problems(`name = "x\nmemory = 5\n`), ['guest.cfg:1:8: this string is not closed: a " is missing before the end of the line']);
});
t.test('bad input: wrong value type', async (t) => {
  t.same(problems(`name = "x"\nmemory = "lots"\nvcpus = [ 1 ]\nbootloader = 5\nacpi = 7\n`), [
    'guest.cfg:2:10: memory must be a whole number of MiB, not the string "lots"',
    'guest.cfg:3:9: vcpus must be a whole number, not a list',
    'guest.cfg:4:14: bootloader must be a "string", not the number 5',
    'guest.cfg:5:8: acpi must be 0 or 1, not 7',
  ]);
});
t.test('bad input: duplicate vdev', async (t) => {
  t.same(problems(`name = "x"\ndisk = [ "phy:/dev/a,xvda,w",\n  "phy:/dev/b,xvda,w" ]\n`), [
    'guest.cfg:3:3: duplicate vdev xvda: already used by the disk at line 2',
  ]);
});
t.test('bad input: malformed MAC', async (t) => {
  t.same(problems(`name = "x"\nvif = [ "mac=00:16:3e:zz:00:01,bridge=xenbr0" ]\n`), [
    'guest.cfg:2:9: vif "mac=00:16:3e:zz:00:01,bridge=xenbr0": malformed MAC address "00:16:3e:zz:00:01" (expected six hex bytes like 00:16:3e:1a:d0:96)',
  ]);
});
t.test('bad input: unknown disk prefix', async (t) => {
  t.same(problems(`name = "x"\ndisk = [ "foo:/img,xvda,w" ]\n`), [
    'guest.cfg:2:10: disk "foo:/img,xvda,w": unknown disk prefix "foo:" (expected phy:, file:, tap:aio:, tap:qcow2:, tap2: or a path)',
  ]);
});
t.test('bad input: the rest of the disk and vif grammar', async (t) => {
  const p = problems(`name = "x"
disk = [ "phy:/dev/a", "tap:bogus:/x,xvdb,w", "/img,,xvdc,rwx", "/img2,xvdd,w,extra,more", "/i,qcow3,xvde,w", "format=raw,vdev=zz0,target=/a", "vdev=xvdf,color=red,target=/b", "relative.img,xvdg,w" ]
vif = [ "bridge", "model=e 1000", "rate=fast" ]
on_crash = "explode"
uuid = "1234"
type = "kvm"
cpus = "0-x"
serial = "foo:bar"
pci = [ "01:00" ]
`);
  t.match(p, [
    /2:10: disk "phy:\/dev\/a": no device name \(vdev\)/,
    /2:24: disk "tap:bogus:\/x,xvdb,w": unknown tap disk type "bogus"/,
    /2:47: disk "\/img,,xvdc,rwx": unknown access mode "rwx"/,
    /2:65: disk "\/img2,xvdd,w,extra,more": too many fields/,
    /2:92: disk "\/i,qcow3,xvde,w": unknown format "qcow3"/,
    /2:111: disk "format=raw,vdev=zz0,target=\/a": "zz0" is not a Xen device name/,
    /2:144: disk "vdev=xvdf,color=red,target=\/b": unknown parameter "color="/,
    /2:177: disk "relative.img,xvdg,w": the source "relative.img" is not an absolute path/,
    /3:9: vif "bridge": "bridge" is not a key=value setting/,
    /3:19: vif "model=e 1000": model "e 1000" contains characters/,
    /3:35: vif "rate=fast": invalid rate "fast"/,
    /4:12: on_crash "explode" is not one of destroy, restart/,
    /5:8: uuid "1234" is not 32 hexadecimal digits/,
    /6:8: type "kvm" is not pv, pvh or hvm/,
    /7:8: cpus "0-x": "0-x" is not a CPU number or range/,
    /8:10: unknown char device type "foo"/,
    /9:9: malformed PCI address "01:00"/,
  ]);
  t.equal(p.length, 17, 'every problem is reported at once');
});
t.test('bad input: disk given as a string', async (t) => {
  t.same(problems(`name = "x"\ndisk = "phy:/dev/a,xvda,w"\n`), ['guest.cfg:2:8: disk must be a list: disk = [ "phy:/dev/a,xvda,w" ]']);
});
t.test('bad input: syntax and type problems together, in line order', async (t) => {
  const p = problems(`memory = lots\nvcpus = "two"\n`);
  t.equal(p.length, 3);
  t.match(p[0], /^guest\.cfg:1:1: the guest has no name/);
  t.match(p[1], /^guest\.cfg:1:10: expected a value .* quote it: "lots"/);
  t.match(p[2], /^guest\.cfg:2:9: vcpus must be a whole number/);
});
t.test('InputError carries advice and exit code 2', async (t) => {
  try {
    parse(`memory = 1\n`);
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof InputError);
    t.equal((e as InputError).exitCode, 2);
    t.match((e as InputError).advice, /Fix the config file guest\.cfg/);
  }
});
