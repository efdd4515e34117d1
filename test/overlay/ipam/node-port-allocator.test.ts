import t from 'tap';
import { ApiError, MeshletError } from '../../../control/api/index.ts';
import { NodePortAllocator, OVERLAY_ERROR_CODES } from '../../../overlay/index.ts';
import { DEFAULT_NODE_PORT_RANGE } from '../../../overlay/ipam/index.ts';

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

t.test('dynamic node ports come from 30000-32767 and never repeat while held', (t) => {
  const ports = new NodePortAllocator();
  t.same(DEFAULT_NODE_PORT_RANGE, { first: 30000, last: 32767 });
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const port = ports.allocate(undefined, 'spec.ports[0].nodePort');
    t.ok(port >= 30000 && port <= 32767, `${port} in range`);
    seen.add(port);
  }
  t.equal(seen.size, 200, 'no port handed out twice');
  t.end();
});

t.test('requested ports: taken or out of range is a 422 on the field, with the API server wording', (t) => {
  const ports = new NodePortAllocator();
  t.equal(ports.allocate(30080, 'spec.ports[0].nodePort', 'web'), 30080);
  const cases = [
    { port: 30080, message: /^Invalid value: 30080: provided port is already allocated$/ },
    { port: 80, message: /^Invalid value: 80: provided port is not in the valid range\. The range of valid ports is 30000-32767$/ },
    { port: 32768, message: /not in the valid range/ },
  ];
  for (const c of cases) {
    const err = failure(() => ports.allocate(c.port, 'spec.ports[1].nodePort', 'web'));
    t.ok(err instanceof ApiError, `${c.port}: ApiError`);
    const api = err as ApiError;
    t.equal(api.httpStatus, 422);
    t.equal(api.details?.causes?.[0]?.field, 'spec.ports[1].nodePort');
    t.match(api.details?.causes?.[0]?.message, c.message);
    t.match(api.message, /^Service "web" is invalid: spec\.ports\[1\]\.nodePort: /);
  }
  ports.release(30080);
  t.equal(ports.allocate(30080, 'spec.ports[0].nodePort'), 30080, 'a released port can be requested again');
  t.end();
});

t.test('repair restores the held set; a full range fails with a stable code', (t) => {
  const ports = new NodePortAllocator({ range: { first: 30000, last: 30002 } });
  t.same(ports.repair([30000, 30001, 8080]).ignored, [8080]);
  t.ok(failure(() => ports.allocate(30001, 'f')) instanceof ApiError, 'repaired port is taken');
  t.equal(ports.allocate(undefined, 'f'), 30002);
  const err = failure(() => ports.allocate(undefined, 'f'));
  t.ok(err instanceof MeshletError);
  t.equal((err as MeshletError).code, OVERLAY_ERROR_CODES.nodePortsExhausted);
  t.throws(() => new NodePortAllocator({ range: { first: 40000, last: 30000 } }), /invalid node port range/);
  t.end();
});
