// Renders a zod object schema's defaults as a commented YAML file: every field with its
// description above it. `npm run configs` writes configs/ from the schemas, and a test checks
// that the committed files are what the schemas produce, so they cannot drift apart.
import YAML from 'yaml';
import { z } from 'zod';

export interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  enum?: unknown[];
}

/** YAML of `schema.parse({})` with each field's description as a comment. */
export function documentedDefaults(schema: z.ZodType, header: string): string {
  const defaults = schema.parse({}) as Record<string, unknown>;
  const doc = new YAML.Document(defaults);
  const jsonSchema = z.toJSONSchema(schema, { io: 'input' }) as JsonSchemaNode;
  const annotate = (node: unknown, schemaNode: JsonSchemaNode | undefined) => {
    if (!YAML.isMap(node) || !schemaNode?.properties) return;
    for (const pair of node.items) {
      const key = String((pair.key as YAML.Scalar).value);
      const child = schemaNode.properties[key];
      if (child?.description) (pair.key as YAML.Scalar).commentBefore = ` ${child.description}`;
      annotate(pair.value, child);
    }
  };
  annotate(doc.contents, jsonSchema);
  doc.commentBefore = header
    .split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
  return doc.toString({ lineWidth: 0 });
}

/**
 * One line per field: `path [choices] (default ...): description`. A group's fields are listed
 * under it; a field without its own default or description takes them from its group (the
 * per-modality cycles, the preference weights).
 */
export function describeFields(node: JsonSchemaNode, prefix = '', inherited?: { default?: unknown; description?: string }): string[] {
  const lines: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const groupDefault = inherited?.default && typeof inherited.default === 'object' ? (inherited.default as Record<string, unknown>)[key] : undefined;
    const fallbackDescription = inherited?.description ? `${inherited.description}: ${key}` : '';
    const isGroup = child.properties !== undefined && !['min', 'max'].every((k) => k in (child.properties ?? {}));
    if (isGroup) {
      lines.push(`${path}: ${child.description ?? fallbackDescription}`);
      lines.push(...describeFields(child, path, { default: child.default ?? groupDefault, description: child.description }));
    } else {
      const value = child.default ?? groupDefault;
      const def = value === undefined ? '' : ` (default ${JSON.stringify(value)})`;
      const choices = child.enum ? ` [${child.enum.join(' | ')}]` : '';
      lines.push(`${path}${choices}${def}: ${child.description ?? fallbackDescription}`);
    }
  }
  return lines;
}
