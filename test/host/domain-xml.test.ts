import t from 'tap';
import { UserError } from '../../src/errors.js';
import { derivedMac, isXenOnlyArg, renderDomainXml } from '../../src/host/domain-xml.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { attr, one, parseXml, path, text } from '../helpers/xml.js';
import { validateXml } from '../helpers/validate.js';

const render = (cfg: string, opts = {}) => {
  const r = renderDomainXml(parseXenConfig(cfg, 'g.cfg'), opts);
  const v = validateXml(r.xml, 'domain');
  if (!v.ok) throw new Error(`invalid XML:\n${r.xml}\n${v.output}`);
  return { ...r, doc: parseXml(r.xml) };
};

t.test('names, paths and passwords with quotes, & and < are escaped', async (t) => {
  const r = render(`name = "we'ird\\"&<guest>"\nvfb = [ "type=vnc,vncpasswd=p&<'\\"" ]\ndisk = [ """file:/img/a'"&<b>.img,xvda,w""" ]\n`);
  t.equal(text(r.doc, 'name'), `we'ird"&<guest>`);
  t.equal(attr(r.doc, 'devices/disk/source', 'file'), `/img/a'"&<b>.img`);
  t.equal(attr(r.doc, 'devices/graphics', 'passwd'), `p&<'"`);
  t.equal(path(r.doc, 'devices/disk').length, 1, 'no injected elements');
  t.notMatch(r.xml, /<guest>/);
});

t.test('PV guest: virtio disk and NICs, MACs kept, serial console, VNC, memory in KiB', async (t) => {
  const r = render(`name = "pv"
uuid = "4a07fde8-f244-2a6d-9603-85ff2179a9bb"
memory = 512
maxmem = 1024
vcpus = 2
maxvcpus = 4
cpus = "0-1"
bootloader = "/usr/bin/pygrub"
vfb = [ "type=vnc,vncdisplay=3,vnclisten=0.0.0.0,keymap=de" ]
disk = [ "phy:/dev/vg/pv,xvda,w", "tap:qcow2:/img/data.qcow2,xvdb,r" ]
vif = [ "mac=00:16:3e:1a:d0:96,bridge=xenbr0,rate=10MB/s", "mac=00:16:3e:1a:d0:97,bridge=xenbr1" ]
`, { bridges: { xenbr0: 'br0' }, networks: { xenbr1: 'hostonly' } });
  const d = r.doc;
  t.equal(d.getAttribute('type'), 'kvm');
  t.equal(text(d, 'memory'), '1048576');
  t.equal(text(d, 'currentMemory'), '524288');
  t.equal(text(d, 'vcpu'), '4');
  t.equal(attr(d, 'vcpu', 'current'), '2');
  t.equal(attr(d, 'vcpu', 'cpuset'), '0-1');
  t.equal(attr(d, 'os/type', 'machine'), 'pc');
  t.equal(text(d, 'os/type'), 'hvm');
  t.equal(attr(d, 'os/boot', 'dev'), 'hd');
  t.ok(one(d, 'features/acpi') && one(d, 'features/apic') && one(d, 'features/pae'));
  const [a, b] = path(d, 'devices/disk');
  t.same([a.getAttribute('type'), attr(a, 'source', 'dev'), attr(a, 'target', 'dev'), attr(a, 'target', 'bus'), attr(a, 'driver', 'cache'), attr(a, 'driver', 'io')], ['block', '/dev/vg/pv', 'vda', 'virtio', 'none', 'native']);
  t.same([b.getAttribute('type'), attr(b, 'source', 'file'), attr(b, 'driver', 'type'), attr(b, 'target', 'dev'), !!one(b, 'readonly'), attr(b, 'driver', 'io')], ['file', '/img/data.qcow2', 'qcow2', 'vdb', true, undefined]);
  const [n0, n1] = path(d, 'devices/interface');
  t.same([n0.getAttribute('type'), attr(n0, 'mac', 'address'), attr(n0, 'source', 'bridge'), attr(n0, 'model', 'type'), attr(n0, 'bandwidth/outbound', 'average')], ['bridge', '00:16:3e:1a:d0:96', 'br0', 'virtio', '10240']);
  t.same([n1.getAttribute('type'), attr(n1, 'source', 'network')], ['network', 'hostonly']);
  t.equal(attr(d, 'devices/serial', 'type'), 'pty');
  t.equal(attr(d, 'devices/console/target', 'type'), 'serial');
  t.same([attr(d, 'devices/graphics', 'port'), attr(d, 'devices/graphics', 'autoport'), attr(d, 'devices/graphics', 'keymap'), attr(d, 'devices/graphics/listen', 'address')], ['5903', 'no', 'de', '0.0.0.0']);
  t.equal(attr(d, 'devices/memballoon', 'model'), 'virtio');
  t.notOk(one(d, 'devices/emulator'), 'no emulator unless known');
  t.notOk(one(d, 'os/kernel'), 'pygrub guests with whole disks boot from their MBR');
  t.match(r.warnings, [{ code: 'xen-bootloader-unused', message: /pygrub is not used under KVM/ }]);
});

t.test('unmapped bridges are kept with a warning', async (t) => {
  const r = render(`name = "g"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]\n`);
  t.equal(attr(r.doc, 'devices/interface/source', 'bridge'), 'xenbr0');
  t.match(r.warnings.map((w) => w.message).join('\n'), /stays on bridge xenbr0.*--bridge xenbr0=br0/);
});

t.test('a vif without mac= gets a stable derived MAC, with a warning', async (t) => {
  const r1 = render(`name = "g"\nvif = [ "bridge=xenbr0", "bridge=xenbr0" ]\n`);
  const r2 = render(`name = "g"\nvif = [ "bridge=xenbr0", "bridge=xenbr0" ]\n`);
  const macs = path(r1.doc, 'devices/interface/mac').map((m) => m.getAttribute('address'));
  t.same(macs, path(r2.doc, 'devices/interface/mac').map((m) => m.getAttribute('address')), 'the same every run');
  t.not(macs[0], macs[1], 'different per NIC');
  t.match(macs[0], /^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
  t.equal(macs[0], derivedMac('g', 0));
  t.not(derivedMac('g', 0), derivedMac('h', 0), 'different per guest');
  t.match(r1.warnings.map((w) => w.message).join('\n'), /vif 0 has no mac=.*stable 52:54:00/);
});

t.test('partitionless PV guest boots its kernel directly', async (t) => {
  const r = render(`name = "flat"\nbootloader = "/usr/bin/pygrub"\ndisk = [ "phy:/dev/vg/flat-root,xvda1,w", "phy:/dev/vg/flat-swap,xvda2,w" ]\n`);
  t.equal(text(r.doc, 'os/kernel'), '/var/lib/libvirt/boot/flat/vmlinuz');
  t.equal(text(r.doc, 'os/initrd'), '/var/lib/libvirt/boot/flat/initrd.img');
  t.equal(text(r.doc, 'os/cmdline'), 'root=/dev/vda ro console=tty0 console=ttyS0,115200n8');
  t.notOk(one(r.doc, 'os/boot'));
  t.same(path(r.doc, 'devices/disk/target').map((x) => x.getAttribute('dev')), ['vda', 'vdb']);
  t.equal(r.deviceMap.partitionless, true);
  t.match(r.warnings.map((w) => w.message).join('\n'), /bare filesystems/);
});

t.test('dom0 kernel: direct boot with root remapped and the console moved off hvc0', async (t) => {
  const r = render(`name = "k"\nkernel = "/boot/vmlinuz-xen"\nramdisk = "/boot/initrd-xen"\nroot = "/dev/xvda1 ro"\nextra = "console=hvc0 resume=/dev/xvdb"\ndisk = [ "phy:/dev/vg/k,xvda,w", "phy:/dev/vg/s,xvdb,w" ]\n`);
  t.equal(text(r.doc, 'os/cmdline'), 'root=/dev/vda1 ro resume=/dev/vdb console=tty0 console=ttyS0,115200n8');
  t.equal(text(r.doc, 'os/initrd'), '/var/lib/libvirt/boot/k/initrd.img');
});

t.test('a dom0 kernel without a ramdisk gets no initrd', async (t) => {
  const r = render(`name = "k"\nkernel = "/boot/vmlinuz"\nextra = "root=/dev/xvda console=xvc0"\ndisk = [ "phy:/dev/vg/k,xvda,w" ]\n`);
  t.notOk(one(r.doc, 'os/initrd'));
  t.equal(text(r.doc, 'os/cmdline'), 'root=/dev/vda console=tty0 console=ttyS0,115200n8');
});

t.test('an unknown root device is kept and warned about', async (t) => {
  const r = render(`name = "k"\nkernel = "/k"\nroot = "/dev/xvdq1"\ndisk = [ "phy:/dev/vg/k,xvda,w" ]\n`);
  t.match(text(r.doc, 'os/cmdline'), /^root=\/dev\/xvdq1 /);
  t.match(r.warnings.map((w) => w.message).join('\n'), /the kernel command line of the Xen config: \/dev\/xvdq1 is none of the guest's disks/);
});

t.test('given direct boot settings win', async (t) => {
  const r = render(`name = "flat"\ndisk = [ "phy:/dev/vg/r,xvda1,w" ]\n`, { directBoot: { kernel: '/k', cmdline: 'root=LABEL=/ ro' } });
  t.equal(text(r.doc, 'os/kernel'), '/k');
  t.notOk(one(r.doc, 'os/initrd'));
  t.equal(text(r.doc, 'os/cmdline'), 'root=LABEL=/ ro');
});

t.test('HVM guest keeps IDE disks and its NIC model, and says so', async (t) => {
  const r = render(`name = "h"\nbuilder = "hvm"\nkernel = "/usr/lib/xen/boot/hvmloader"\nboot = "dc"\nlocaltime = 1\nacpi = 0\nvnc = 1\nusbdevice = "tablet"\nserial = "tcp:127.0.0.1:7777"\ndisk = [ "phy:/dev/vg/h,hda,w", "file:/iso/x.iso,hdc:cdrom,r" ]\nvif = [ "mac=00:16:3e:00:00:02,bridge=xenbr0,model=e1000", "mac=00:16:3e:00:00:03,bridge=xenbr0,type=ioemu" ]\n`);
  t.same(path(r.doc, 'devices/disk/target').map((x) => `${x.getAttribute('dev')}:${x.getAttribute('bus')}`), ['hda:ide', 'hdc:ide']);
  t.same(path(r.doc, 'devices/interface/model').map((m) => m.getAttribute('type')), ['e1000', 'rtl8139']);
  t.same(path(r.doc, 'os/boot').map((b) => b.getAttribute('dev')), ['cdrom', 'hd']);
  t.equal(attr(r.doc, 'clock', 'offset'), 'localtime');
  t.notOk(one(r.doc, 'features/acpi'));
  t.equal(attr(r.doc, 'devices/input', 'type'), 'tablet');
  t.same([attr(r.doc, 'devices/serial', 'type'), attr(r.doc, 'devices/serial/source', 'host'), attr(r.doc, 'devices/serial/source', 'service')], ['tcp', '127.0.0.1', '7777']);
  t.match(r.warnings.map((w) => w.message).join('\n'), /HVM guest: its emulated disk and NIC models are kept/);
  const v = render(`name = "h"\nbuilder = "hvm"\ndisk = [ "phy:/dev/vg/h,hda,w" ]\nvif = [ "mac=00:16:3e:00:00:02,model=e1000" ]\n`, { hvmVirtio: true });
  t.equal(attr(v.doc, 'devices/disk/target', 'bus'), 'virtio');
  t.equal(attr(v.doc, 'devices/interface/model', 'type'), 'virtio');
});

t.test('q35: cdrom on SATA, vga video', async (t) => {
  const r = render(`name = "q"\ndisk = [ "phy:/dev/vg/q,xvda,w", ",xvdc:cdrom,r" ]\n`, { machine: 'q35' });
  t.equal(attr(r.doc, 'os/type', 'machine'), 'q35');
  const cd = path(r.doc, 'devices/disk').find((d) => d.getAttribute('device') === 'cdrom')!;
  t.same([attr(cd, 'target', 'bus'), attr(cd, 'target', 'dev'), !!one(cd, 'source')], ['sata', 'sda', false]);
  t.equal(attr(r.doc, 'devices/video/model', 'type'), 'vga');
});

t.test('lifecycle actions KVM lacks are translated, with a warning', async (t) => {
  const r = render(`name = "l"\non_poweroff = "preserve"\non_reboot = "rename-restart"\non_crash = "coredump-restart"\n`);
  t.equal(text(r.doc, 'on_poweroff'), 'destroy');
  t.equal(text(r.doc, 'on_reboot'), 'restart');
  t.equal(text(r.doc, 'on_crash'), 'coredump-restart');
  t.match(r.warnings.map((w) => w.message).join('\n'), /on_poweroff "preserve" does not exist under KVM; "destroy"/);
  t.match(r.warnings.map((w) => w.message).join('\n'), /on_reboot "rename-restart" does not exist under KVM; "restart"/);
});

t.test('emulator and hugepages when asked', async (t) => {
  const r = render(`name = "e"\n`, { emulator: '/usr/bin/qemu-system-x86_64', hugepages: true });
  t.equal(text(r.doc, 'devices/emulator'), '/usr/bin/qemu-system-x86_64');
  t.ok(one(r.doc, 'memoryBacking/hugepages'));
});

t.test('PCI passthrough becomes a VFIO hostdev', async (t) => {
  const r = render(`name = "p"\npci = [ "0000:0a:1f.3" ]\n`);
  t.same(['domain', 'bus', 'slot', 'function'].map((a) => attr(r.doc, 'devices/hostdev/source/address', a)), ['0x0000', '0x0a', '0x1f', '0x3']);
  t.match(r.warnings.map((w) => w.message).join('\n'), /VFIO/);
});

t.test('shareable disks and openvswitch VLANs', async (t) => {
  const r = render(`name = "s"\ndisk = [ "phy:/dev/vg/shared,xvdb,w!" ]\nvif = [ "mac=00:16:3e:00:00:09,bridge=ovsbr0.42" ]\n`);
  t.ok(one(r.doc, 'devices/disk/shareable'));
  t.equal(attr(r.doc, 'devices/interface/vlan/tag', 'id'), '42');
  t.equal(attr(r.doc, 'devices/interface/virtualport', 'type'), 'openvswitch');
});

t.test('refused: a disk behind a Xen block script', async (t) => {
  const g = parseXenConfig(`name = "i"\ndisk = [ "iscsi:iqn.2001-05.com.example:disk1,xvda,w" ]\n`, 'i.cfg');
  try {
    renderDomainXml(g);
    t.fail('should refuse');
  } catch (e) {
    t.ok(e instanceof UserError);
    t.match((e as UserError).message, /i\.cfg:2:10: disk xvda uses Xen's iscsi block script, which KVM cannot run/);
    t.match((e as UserError).advice, /--disk xvda=/);
  }
});

t.test('SDL becomes VNC with a warning; spice stays spice', async (t) => {
  const r = render(`name = "s"\nvfb = [ "type=sdl" ]\n`);
  t.equal(attr(r.doc, 'devices/graphics', 'type'), 'vnc');
  t.match(r.warnings.map((w) => w.message).join('\n'), /SDL/);
  const s = render(`name = "s"\nbuilder = "hvm"\nspice = 1\nspiceport = 5910\nspicehost = "0.0.0.0"\nspicepasswd = "x"\n`);
  t.same([attr(s.doc, 'devices/graphics', 'type'), attr(s.doc, 'devices/graphics', 'port')], ['spice', '5910']);
});

t.test('direct boot drops every Xen-only kernel argument', async (t) => {
  const r = render(`name = "d"\nkernel = "/boot/vmlinuz-2.6.18-128.el5xen"\nextra = "console=xvc0 xencons=xvc0 clocksource=xen xen_emul_unplug=never xen-blkfront.max=32 root=/dev/xvda1 quiet console=hvc0"\ndisk = [ "phy:/dev/vg/d,xvda1,w" ]\n`);
  t.equal(r.directBoot?.cmdline, 'root=/dev/vda quiet console=tty0 console=ttyS0,115200n8');
  t.ok(isXenOnlyArg('xencons=tty'));
  t.ok(isXenOnlyArg('xen_blkfront.max=8'));
  t.notOk(isXenOnlyArg('xenial=1'), 'a word that merely starts with "xen" stays');
  t.notOk(isXenOnlyArg('console=ttyS0'));
});
