import t from 'tap';
import { validateRateLimitPolicy } from '../../control/api/ratelimit-policy.ts';

const base = { apiVersion: 'policy.meshlet.dev/v1alpha1', kind: 'RateLimitPolicy', metadata: { name: 'p', namespace: 'default' } };
const okRule = { limit: { requests: 10, unit: 'minute' } };

const cases: { name: string; spec: unknown; causes: [field: string, reason: string][] }[] = [
  { name: 'minimal local policy', spec: { target: { service: 'reviews' }, rules: [okRule] }, causes: [] },
  {
    name: 'full global policy',
    spec: {
      target: { workloadSelector: { matchLabels: { app: 'reviews' } } },
      mode: 'global',
      algorithm: 'sliding-window',
      failureModeDeny: true,
      shadowMode: false,
      rules: [
        {
          name: 'per-client',
          match: [{ path: { prefix: '/api' }, methods: ['GET', 'POST'], headers: { 'x-user': { regex: 'a.*' } }, source: { namespace: 'default', ipBlocks: ['127.244.0.0/16'] } }],
          descriptors: [{ type: 'remoteAddress' }, { type: 'header', header: 'x-user' }],
          limit: { requests: 5, unit: 'second' },
        },
      ],
    },
    causes: [],
  },
  { name: 'missing spec', spec: undefined, causes: [['spec', 'FieldValueRequired']] },
  { name: 'missing target and rules', spec: {}, causes: [['spec.target', 'FieldValueRequired'], ['spec.rules', 'FieldValueRequired']] },
  { name: 'two targets', spec: { target: { service: 'a', gateway: '*' }, rules: [okRule] }, causes: [['spec.target', 'FieldValueInvalid']] },
  { name: 'empty selector', spec: { target: { workloadSelector: { matchLabels: {} } }, rules: [okRule] }, causes: [['spec.target.workloadSelector.matchLabels', 'FieldValueRequired']] },
  { name: 'bad mode', spec: { target: { service: 'a' }, mode: 'cluster', rules: [okRule] }, causes: [['spec.mode', 'FieldValueNotSupported']] },
  { name: 'algorithm with local', spec: { target: { service: 'a' }, algorithm: 'fixed-window', rules: [okRule] }, causes: [['spec.algorithm', 'FieldValueInvalid']] },
  { name: 'gcra unsupported', spec: { target: { service: 'a' }, mode: 'global', algorithm: 'gcra', rules: [okRule] }, causes: [['spec.algorithm', 'FieldValueNotSupported']] },
  { name: 'failureModeDeny with local', spec: { target: { service: 'a' }, failureModeDeny: true, rules: [okRule] }, causes: [['spec.failureModeDeny', 'FieldValueInvalid']] },
  { name: 'empty rules', spec: { target: { service: 'a' }, rules: [] }, causes: [['spec.rules', 'FieldValueInvalid']] },
  {
    name: 'bad limit fields',
    spec: { target: { service: 'a' }, rules: [{ limit: { requests: 0, unit: 'week' } }, { limit: {} }] },
    causes: [
      ['spec.rules[0].limit.requests', 'FieldValueInvalid'],
      ['spec.rules[0].limit.unit', 'FieldValueNotSupported'],
      ['spec.rules[1].limit.requests', 'FieldValueRequired'],
      ['spec.rules[1].limit.unit', 'FieldValueRequired'],
    ],
  },
  { name: 'burst with global', spec: { target: { service: 'a' }, mode: 'global', rules: [{ limit: { requests: 1, unit: 'second', burst: 5 } }] }, causes: [['spec.rules[0].limit.burst', 'FieldValueInvalid']] },
  {
    name: 'bad matches',
    spec: {
      target: { service: 'a' },
      rules: [{ ...okRule, match: [{ path: { exact: '/a', prefix: '/b' }, methods: ['get'], headers: { 'x-a': { regex: '(' } }, source: { ipBlocks: ['10.0.0.0/33x'] } }] }],
    },
    causes: [
      ['spec.rules[0].match[0].path', 'FieldValueInvalid'],
      ['spec.rules[0].match[0].methods[0]', 'FieldValueInvalid'],
      ['spec.rules[0].match[0].headers[x-a].regex', 'FieldValueInvalid'],
      ['spec.rules[0].match[0].source.ipBlocks[0]', 'FieldValueInvalid'],
    ],
  },
  {
    name: 'bad descriptors',
    spec: { target: { service: 'a' }, rules: [{ ...okRule, descriptors: [{ type: 'cookie' }, { type: 'header' }] }] },
    causes: [
      ['spec.rules[0].descriptors[0].type', 'FieldValueNotSupported'],
      ['spec.rules[0].descriptors[1].header', 'FieldValueRequired'],
    ],
  },
  {
    name: 'duplicate and bad rule names',
    spec: { target: { service: 'a' }, rules: [{ ...okRule, name: 'x' }, { ...okRule, name: 'x' }, { ...okRule, name: 'Bad_Name' }] },
    causes: [
      ['spec.rules[1].name', 'FieldValueDuplicate'],
      ['spec.rules[2].name', 'FieldValueInvalid'],
    ],
  },
];

for (const c of cases) {
  t.test(c.name, (t) => {
    const causes = validateRateLimitPolicy({ ...base, spec: c.spec });
    t.same(
      causes.map((x) => [x.field, x.reason]),
      c.causes,
      causes.map((x) => `${x.field}: ${x.message}`).join('; '),
    );
    t.end();
  });
}
