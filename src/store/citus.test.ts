// How a pg_dist_partition row reads as a placement: the distinction the layout step depends on
// (a Citus local table, made by create_reference_table on a table that local tables point at,
// is not done; a reference table is).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { placementOf } from './citus.js';

it('reads reference, hash-distributed, Citus local and single-shard rows apart', () => {
  const cases: Array<[string | null, string | null, number | null, string]> = [
    [null, null, null, 'local'],
    ['h', 's', 3, 'distributed'],
    ['n', 't', 1, 'reference'],
    ['n', 's', 0, 'citus-local'],
    ['n', 's', 7, 'other'],
    ['a', 'c', 0, 'other'],
  ];
  for (const [partmethod, repmodel, colocationid, placement] of cases) {
    assert.equal(placementOf({ partmethod, repmodel, colocationid }), placement, `${partmethod}/${repmodel}/${colocationid}`);
  }
});
