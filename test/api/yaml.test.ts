import t from 'tap';
import { YamlError, fieldPathSegments, parseYamlDocuments } from '../../control/api/index.ts';

const TEXT = `# leading comment
apiVersion: v1
kind: Service
metadata:
  name: a
spec:
  ports:
  - port: 80
  - port: 81
---
---
apiVersion: v1
kind: ConfigMap
metadata: { name: b }
`;

t.test('field paths split into segments', async (t) => {
  const cases: [string, (string | number)[]][] = [
    ['spec', ['spec']],
    ['spec.ports[1].port', ['spec', 'ports', 1, 'port']],
    ['spec.http[0].route[2].destination.subset', ['spec', 'http', 0, 'route', 2, 'destination', 'subset']],
    ['data.key', ['data', 'key']],
  ];
  for (const [field, want] of cases) t.same(fieldPathSegments(field), want, field);
});

t.test('documents carry their start line and locate fields; empty documents are skipped', async (t) => {
  const docs = parseYamlDocuments(TEXT, 'two.yaml');
  t.equal(docs.length, 2);
  t.equal(docs[0]!.line, 2, 'the first document starts at its first key, after the comment');
  t.equal(docs[0]!.locate('spec.ports[1].port'), 9);
  t.equal(docs[0]!.locate('metadata.name'), 5);
  t.equal(docs[0]!.locate('spec.missing'), undefined);
  t.equal(docs[1]!.line, 12);
  t.same((docs[1]!.value as { kind: string }).kind, 'ConfigMap');
});

t.test('malformed YAML names the source and line', async (t) => {
  const cases = ['a: [1, 2\nb: 3\n', 'key: value\nkey: again\n', 'a:\n  - x\n - y\n'];
  for (const text of cases) {
    let err: unknown;
    try {
      parseYamlDocuments(text, 'bad.yaml');
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof YamlError, `rejected: ${JSON.stringify(text)}`);
    t.match((err as Error).message, /^bad\.yaml:\d+(:\d+)?: invalid YAML: /);
  }
});
