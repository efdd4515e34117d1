// YAML on the API write path: the control/api adapter, with its errors
// turned into 400 Bad Request Status errors naming the line.

import { ApiError, YamlError, parseYaml, parseYamlDocuments, stringifyYaml } from '../../api/index.ts';

export { stringifyYaml };

export function parseYamlDocument(text: string, what: string): unknown {
  try {
    return parseYaml(text, what);
  } catch (err) {
    if (err instanceof YamlError) {
      const at = err.line ? ` at line ${err.line}${err.column ? `, column ${err.column}` : ''}` : '';
      throw new ApiError('BadRequest', `${what}: invalid YAML${at}: ${err.reason}`, undefined, { cause: err });
    }
    throw err;
  }
}

/** Every document of a multi-document YAML stream (`---` separated); empty documents are skipped. */
export function parseAllYamlDocuments(text: string): unknown[] {
  return parseYamlDocuments(text, 'yaml').map((d) => d.value);
}
