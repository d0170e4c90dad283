/**
 * The one JSON Schema set-up (ajv with formats) for request bodies and start-up files, and the one way its errors
 * are written: `clients[1].jku must match pattern "^https://"`, a path a reader can find in the document.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats ships CJS with `exports.default`; under NodeNext the import is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

export function createAjv(options: { allErrors?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: options.allErrors ?? true, strict: false });
  addFormats(ajv);
  return ajv;
}

/**
 * ajv errors as readable "where: what" lines (`instancePath` → dotted path). An unknown property is named:
 * `must NOT have additional properties: unknown field "cards"` (`noun` says what a property is, e.g. "setting").
 */
export function describeErrors(errors: ErrorObject[] | null | undefined, root: string, noun = 'field'): { path: string; message: string; keyword: string }[] {
  return (errors ?? [])
    .filter((error) => !['if', 'anyOf'].includes(error.keyword) || (errors ?? []).length === 1)
    .map((error) => {
      const segments = error.instancePath.split('/').filter(Boolean);
      const missing = error.keyword === 'required' || error.keyword === 'dependencies' ? (error.params as { missingProperty?: string }).missingProperty : undefined;
      const path = [root, ...segments, ...(missing ? [missing] : [])]
        .filter(Boolean)
        .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
        .join('');
      let message = error.message ?? 'is invalid';
      if (missing) message = 'is required';
      if (error.keyword === 'dependencies') message = 'is required when fhirAuthorization is present';
      if (error.keyword === 'additionalProperties') message = `${message}: unknown ${noun} "${String((error.params as { additionalProperty?: unknown }).additionalProperty)}"`;
      if (error.keyword === 'enum') message = `must be one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}`;
      return { path: path || root, message, keyword: error.keyword };
    });
}
