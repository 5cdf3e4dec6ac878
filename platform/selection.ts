import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Calls `visit` for each field of a selection set at its own level, through inline fragments and
 * named fragments (each named fragment once), with the type condition it was selected under
 * (undefined when none). Sub-selections of the fields are not entered. @skip/@include are not
 * evaluated: a field that might be selected is visited.
 */
export function eachSelectedField(
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  visit: (field: FieldNode, typeCondition: string | undefined) => void,
): void {
  const seen = new Set<string>();
  const walk = (selections: SelectionSetNode, typeCondition: string | undefined) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) visit(selection, typeCondition);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, selection.typeCondition?.name.value ?? typeCondition);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet, fragment.typeCondition.name.value);
      }
    }
  };
  walk(selectionSet, undefined);
}

const asked = new WeakMap<readonly FieldNode[], Map<string, ReadonlySet<string>>>();

/**
 * The fields the current field's selection asks of `typeName` (e.g. what a gateway's `_entities`
 * call wants of each Offer), so that a `__resolveReference` can read them in the statement that
 * finds the entity. Worked out once per field of the operation, not per entity.
 */
export function fieldsAskedOf(info: GraphQLResolveInfo, typeName: string): ReadonlySet<string> {
  let byType = asked.get(info.fieldNodes);
  if (!byType) asked.set(info.fieldNodes, (byType = new Map()));
  let fields = byType.get(typeName);
  if (!fields) {
    const names = new Set<string>();
    for (const node of info.fieldNodes) {
      if (!node.selectionSet) continue;
      eachSelectedField(node.selectionSet, info.fragments, (field, on) => {
        if (on === undefined || on === typeName) names.add(field.name.value);
      });
    }
    byType.set(typeName, (fields = names));
  }
  return fields;
}
