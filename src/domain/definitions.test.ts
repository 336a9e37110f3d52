import assert from 'node:assert/strict';
import { it } from 'node:test';
import { definitionNameOf, liquidName, planDefinition, templatePlaceholders, type DefinitionInput } from './definitions.js';
import { titleCase } from './field-types.js';

const base: DefinitionInput = {
  name: 'product-purchase', iconId: 'cart-icon', trackConversionValue: true, touch: true, filterable: true,
  visibleInFeeds: true, displayStyle: { type: 'activity' }, attributes: [{ name: 'product-name', displayType: 'text' }],
};

it('title-cases the display name and builds liquid names', () => {
  assert.equal(titleCase('product-purchase'), 'Product Purchase');
  assert.equal(liquidName('product-purchase', 'product-name'), '{{activity.cm.product_purchase.product_name}}');
});

it('reads act:cm: and act:oc: as the same definition name', () => {
  assert.equal(definitionNameOf('act:cm:flight-booked'), 'flight-booked');
  assert.equal(definitionNameOf('act:oc:flight-booked'), 'flight-booked');
  assert.equal(definitionNameOf('act:o:flight-booked'), undefined);
  assert.equal(definitionNameOf('flight-booked'), undefined);
});

it('finds template placeholders with or without inner spaces', () => {
  assert.deepEqual(templatePlaceholders('Purchased {{product-name}} (qty: {{ quantity }})'), ['product-name', 'quantity']);
});

it('plans a mapped new custom field once, even when two attributes map to it', () => {
  const plan = planDefinition({
    ...base,
    attributes: [
      { name: 'a', displayType: 'text', fieldId: 'str:cm:plan' },
      { name: 'b', displayType: 'single_select', fieldId: 'str:cm:plan' },
    ],
  }, new Map());
  assert.ok(plan.ok);
  assert.deepEqual(plan.value.newFields, [{ fieldId: 'str:cm:plan', name: 'plan', type: 'str' }]);
});

it('refuses two attributes mapping one new field with two types', () => {
  const plan = planDefinition({
    ...base,
    attributes: [
      { name: 'a', displayType: 'text', fieldId: 'str:cm:plan' },
      { name: 'b', displayType: 'integer', fieldId: 'int:cm:plan' },
    ],
  }, new Map());
  assert.deepEqual(plan, { ok: false, error: 'attributes[1].field_id "int:cm:plan" conflicts with the existing field str:cm:plan' });
});
