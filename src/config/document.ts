// Renders a zod object schema's defaults as a commented YAML file: every field with its
// description above it. `npm run configs` writes configs/ from the schemas, and a test checks
// that the committed files are what the schemas produce, so they cannot drift apart.
import YAML from 'yaml';
import { z } from 'zod';

interface JsonSchemaNode {
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
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
