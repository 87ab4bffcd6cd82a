import t from 'tap';
import { parseRate, parseVifSpec } from '../../src/xen/vif.js';

const pos = { line: 1, column: 1 };
const nic = (spec: string) => {
  const r = parseVifSpec(spec, pos);
  if (!r.ok) throw new Error(r.message);
  return r.nic;
};

t.test('keys', async (t) => {
  t.match(nic('mac=00:16:3E:1A:D0:96,bridge=xenbr0'), { mac: '00:16:3e:1a:d0:96', bridge: 'xenbr0' });
  t.match(nic('mac=0:16:3e:1a:d0:9,bridge=xenbr0'), { mac: '00:16:3e:1a:d0:09' }, 'short bytes are padded');
  t.match(nic(' mac = 00:16:3e:1a:d0:96 , bridge = xenbr1 '), { mac: '00:16:3e:1a:d0:96', bridge: 'xenbr1' }, 'spaces around keys (the seed writes "mac = …")');
  t.match(nic('mac=00:16:3e:66:92:9c,bridge=xenbr1,ip=10.0.0.1 10.1.1.1 2000::1,script=vif-bridge,type=vif'), { ip: ['10.0.0.1', '10.1.1.1', '2000::1'], type: 'vif', script: 'vif-bridge' });
  t.match(nic('bridge=ovsbr0.42'), { bridge: 'ovsbr0', vlans: [42] });
  t.match(nic('bridge=ovsbr0:42:43'), { bridge: 'ovsbr0', vlans: [42, 43], vlanTrunk: true });
  t.match(nic('model=E1000,vifname=vif-test'), { model: 'e1000', vifname: 'vif-test' });
  t.match(nic('rate=10240KB/s'), { rateKiBps: 10240 });
  t.same(nic(''), { spec: '', pos }, 'an empty vif is a NIC with nothing set');
  t.match(nic('mac=00:16:3e:1a:d0:96,'), { mac: '00:16:3e:1a:d0:96' }, 'trailing comma');
});

t.test('unknown keys warn', async (t) => {
  const r = parseVifSpec('mac=00:16:3e:1a:d0:96,colour=blue', pos);
  t.ok(r.ok);
  if (r.ok) t.match(r.warnings, [{ code: 'vif-key-unknown', message: /unknown key "colour"/ }]);
});

t.test('errors', async (t) => {
  const err = (s: string) => {
    const r = parseVifSpec(s, pos);
    return r.ok ? 'ok' : r.message;
  };
  t.match(err('mac=00:16:3e:1a:d0'), /malformed MAC address/);
  t.match(err('bridge=br.x'), /VLAN after \. or : must be a number/);
  t.match(err('model=a/b'), /contains characters/);
  t.match(err('rate=10 MB/s'), /invalid rate/);
  t.match(err('mac'), /not a key=value setting/);
});

t.test('rates', async (t) => {
  t.equal(parseRate('10MB/s'), 10240);
  t.equal(parseRate('100Mb/s'), 12800);
  t.equal(parseRate('1GB/s@20ms'), 1048576);
  t.equal(parseRate('2048B/s'), 2);
  t.equal(parseRate('fast'), undefined);
});
