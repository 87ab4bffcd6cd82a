import t from 'tap';
import { parseFstab, skipReason } from '../../src/formats/fstab.js';

const RHEL5 = `/dev/VolGroup00/LogVol00 /                       ext3    defaults        1 1
LABEL=/boot             /boot                   ext3    defaults        1 2
tmpfs                   /dev/shm                tmpfs   defaults        0 0
devpts                  /dev/pts                devpts  gid=5,mode=620  0 0
sysfs                   /sys                    sysfs   defaults        0 0
proc                    /proc                   proc    defaults        0 0
/dev/VolGroup00/LogVol01 swap                    swap    defaults        0 0
`;

t.test('a RHEL 5 fstab', async (t) => {
  const e = parseFstab(RHEL5);
  t.equal(e.length, 7);
  t.same(e[1], { spec: 'LABEL=/boot', file: '/boot', vfstype: 'ext3', options: ['defaults'], line: 2 });
  t.same(e.map(skipReason), [undefined, undefined, 'a tmpfs pseudo filesystem', 'a devpts pseudo filesystem', 'a sysfs pseudo filesystem', 'a proc pseudo filesystem', 'swap space']);
});

t.test('comments, escapes, short lines', async (t) => {
  const e = parseFstab('# comment\n\n/dev/xvdb1 /srv/my\\040data ext3 defaults,noatime # trailing\n/dev/xvdc\n');
  t.equal(e.length, 1);
  t.equal(e[0].file, '/srv/my data');
  t.same(e[0].options, ['defaults', 'noatime']);
  t.equal(e[0].line, 3);
});

t.test('hostile and foreign entries are not mounted', async (t) => {
  const reasons = parseFstab(`server:/export /mnt/nfs nfs defaults 0 0
//srv/share /mnt/smb cifs defaults 0 0
/etc /mnt/bind none bind 0 0
/dev/xvdb1 /opt ext3 noauto 0 0
/dev/xvdb2 relative ext3 defaults 0 0
/dev/xvdb3 /../../etc ext3 defaults 0 0
/dev/xvdb4 /data nilfs2 defaults 0 0
/dev/xvdb5 /data2 fuse.sshfs defaults 0 0
`).map(skipReason);
  t.match(reasons, [/network/, /network/, /bind/, /noauto/, /not an absolute path/, /contains \.\./, /nilfs2 is not one xen2kvm mounts/, /network/]);
});
