import t from 'tap';
import { detectOs } from '../../src/guest/release.js';

t.test('release files', async (t) => {
  t.match(detectOs({ redhat: 'Red Hat Enterprise Linux Server release 5.3 (Tikanga)\n' }), { family: 'rhel', distro: 'rhel', version: '5.3', major: 5, minor: 3 });
  t.match(detectOs({ redhat: 'CentOS release 5.11 (Final)', centos: 'CentOS release 5.11 (Final)' }), { distro: 'centos', version: '5.11', minor: 11 });
  t.match(detectOs({ redhat: 'Scientific Linux release 6.10 (Carbon)' }), { distro: 'scientificlinux', major: 6 });
  t.match(detectOs({ osRelease: 'NAME="Red Hat Enterprise Linux Server"\nID="rhel"\nVERSION_ID="7.9"\nPRETTY_NAME="RHEL 7.9"\n' }), { family: 'rhel', distro: 'rhel', version: '7.9' });
  t.match(detectOs({ osRelease: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' }), { family: 'debian', version: '12', description: 'Debian GNU/Linux 12 (bookworm)' });
  t.match(detectOs({ debianVersion: '6.0.10\n' }), { family: 'debian', version: '6.0.10', major: 6 });
  t.match(detectOs({ suse: 'SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n' }), { family: 'suse', distro: 'sles', version: '11.4' });
  t.match(detectOs({}), { family: 'unknown' });
});
