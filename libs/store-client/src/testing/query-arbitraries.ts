/**
 * fast-check generators for the translator's differential tests: documents shaped like stored
 * health events (nested objects, arrays of scalars and of objects, missing fields, nulls,
 * integer and fractional numbers, dates) and filters/pipelines drawn from the supported grammar.
 * Value domains are small on purpose so generated filters actually hit generated documents.
 */
import fc from 'fast-check';

const NODES = ['n1', 'n2', 'n3'];
const CODES = ['79', '48', '13', '31', '74'];
const DATES = [
  '2026-01-01T00:00:00.000Z',
  '2026-01-02T12:00:00.000Z',
  '2026-01-05T00:00:00.500Z',
  '2025-12-31T23:59:59.999Z',
].map((s) => new Date(s));
const NUMBERS = [0, 1, 2, 2.5, 5, 15, 24, -1, 1e3];
const STRINGS = ['n1', 'n2', 'GPU', 'PCI', '0', '1', '79', '13', 'Quarantined', '', 'a.b', 'Ünï', 'x y'];

/** `undefined` means "leave the field out". */
function optional<T>(arb: fc.Arbitrary<T>, missing = 1, nul = 1, present = 4): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(
    { arbitrary: arb, weight: present },
    { arbitrary: fc.constant(null), weight: nul },
    { arbitrary: fc.constant(undefined), weight: missing },
  );
}

const entity = fc.record(
  { entitytype: fc.constantFrom('GPU', 'PCI', 'GPU_UUID'), entityvalue: fc.constantFrom('0', '1', '2') },
  { requiredKeys: ['entitytype'] },
);

const scalarValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...DATES),
);

const healthEventDoc: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      createdAt: optional(fc.constantFrom(...DATES), 1, 0),
      healthevent: fc.record(
        {
          nodename: optional(fc.constantFrom(...NODES)),
          checkname: fc.constantFrom('GpuXidError', 'SysLogsXIDError', 'RepeatedXidError'),
          agent: fc.constantFrom('gpu-health-monitor', 'health-events-analyzer'),
          isfatal: optional(fc.boolean()),
          ishealthy: optional(fc.boolean()),
          recommendedaction: optional(fc.constantFrom(...NUMBERS)),
          errorcode: optional(
            fc.oneof(
              { arbitrary: fc.array(fc.constantFrom(...CODES), { maxLength: 3 }), weight: 5 },
              { arbitrary: fc.constantFrom(...CODES), weight: 1 },
              {
                arbitrary: fc.array(fc.oneof(fc.constantFrom(...CODES), fc.constantFrom(...NUMBERS)), { maxLength: 3 }),
                weight: 1,
              },
            ),
          ),
          entitiesimpacted: optional(
            fc.oneof(
              { arbitrary: fc.array(entity, { maxLength: 3 }), weight: 6 },
              // Scalars here never equal an $elemMatch value: mingo lets {$elemMatch: {entitytype: "GPU"}}
              // match the string element "GPU"; MongoDB only tests object elements.
              {
                arbitrary: fc.array(fc.oneof(entity, fc.constantFrom('x y', 'Ünï', '', 'n2'), fc.constant(null)), {
                  maxLength: 3,
                }),
                weight: 1,
              },
            ),
          ),
          metadata: optional(
            fc.dictionary(fc.constantFrom('k1', 'k2', 'providerID'), fc.constantFrom(...STRINGS), { maxKeys: 2 }),
          ),
          generatedtimestamp: optional(
            fc.record({ seconds: fc.constantFrom(100, 200, 300), nanos: fc.constantFrom(0, 5) }),
          ),
          processingstrategy: optional(fc.constantFrom(1, 2, 3)),
          quarantineoverrides: optional(fc.record({ force: fc.boolean(), skip: fc.boolean() })),
        },
        { requiredKeys: ['checkname', 'agent'] },
      ),
      healtheventstatus: optional(
        fc.record(
          {
            nodequarantined: optional(fc.constantFrom('Quarantined', 'AlreadyQuarantined', 'UnQuarantined', '')),
            userpodsevictionstatus: fc.record({
              status: fc.constantFrom('', 'InProgress', 'Succeeded'),
              message: fc.constantFrom('', 'ok'),
            }),
            faultremediated: optional(fc.record({ value: fc.boolean() })),
          },
          { requiredKeys: ['userpodsevictionstatus'] },
        ),
        1,
        0,
      ),
    },
    { requiredKeys: ['healthevent'] },
  )
  .map((d) => dropUndefined(d) as Record<string, unknown>);

function dropUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropUndefined);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, dropUndefined(x)]),
    );
  }
  return v;
}

/** A batch of documents with distinct `_id`s d0, d1, … */
export const docBatch = (min: number, max: number) =>
  fc
    .array(healthEventDoc, { minLength: min, maxLength: max })
    .map((docs) => docs.map((d, i) => ({ _id: `d${i}`, ...d })));

const FILTER_PATHS = [
  'healthevent.nodename',
  'healthevent.errorcode',
  'healthevent.errorcode.0',
  'healthevent.errorcode.1',
  'healthevent.entitiesimpacted',
  'healthevent.entitiesimpacted.entitytype',
  'healthevent.entitiesimpacted.entityvalue',
  'healthevent.entitiesimpacted.0.entityvalue',
  'healthevent.recommendedaction',
  'healthevent.isfatal',
  'healthevent.ishealthy',
  'healthevent.metadata.k1',
  'healthevent.metadata',
  'healthevent.generatedtimestamp.seconds',
  'healthevent.generatedtimestamp',
  'healthevent.quarantineoverrides',
  'healthevent.processingstrategy',
  'healtheventstatus.nodequarantined',
  'healtheventstatus.faultremediated',
  'healtheventstatus.faultremediated.value',
  'createdAt',
  'nope.deeper',
];

/** Paths that cross an array of objects: mingo collects their values into one array there. */
const CROSSING_PATHS = new Set(['healthevent.entitiesimpacted.entitytype', 'healthevent.entitiesimpacted.entityvalue']);
// Array literals are compared only at healthevent.errorcode (see errorcodeCondition): on a path
// that crosses an array mingo compares the collected array of values, MongoDB each value.
const literal: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalarValue, weight: 8 },
  { arbitrary: entity, weight: 1 },
  { arbitrary: fc.record({ value: fc.boolean() }), weight: 1 },
);
const codeList = fc.array(fc.constantFrom(...CODES), { maxLength: 2 });
const errorcodeCondition = fc
  .oneof(
    codeList,
    codeList.map((v) => ({ $eq: v })),
    codeList.map((v) => ({ $ne: v })),
    fc.array(codeList, { maxLength: 2 }).map((v) => ({ $in: v })),
  )
  .map((cond) => ({ 'healthevent.errorcode': cond }));
const rangeOperand = fc.oneof(
  fc.constantFrom(...NUMBERS),
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...DATES),
  fc.boolean(),
  fc.constant(null),
);
const regex = fc.constantFrom(/^n/, /1$/, /^g/i, /PU/, /^$/, /\d/, /^(79|13)$/, /a\.b/, /ü/i, /x\sy/);

const operatorConditions = (crossing: boolean): fc.Arbitrary<Record<string, unknown>>[] => [
  literal.map((v) => ({ $eq: v })),
  literal.map((v) => ({ $ne: v })),
  fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), rangeOperand).map(([op, v]) => ({ [op]: v })),
  fc.tuple(rangeOperand, rangeOperand).map(([a, b]) => ({ $gte: a, $lt: b })),
  fc.array(literal, { maxLength: 3 }).map((v) => ({ $in: v })),
  fc.array(literal, { maxLength: 3 }).map((v) => ({ $nin: v })),
  fc.boolean().map((v) => ({ $exists: v })),
  fc
    .constantFrom(
      ...(crossing
        ? ['string', 'number', 'object', 'bool', 'date', 'null', 2]
        : ['string', 'number', 'array', 'object', 'bool', 'date', 'null', 2, 4]),
    )
    .map((t) => ({ $type: t })),
  ...(crossing
    ? []
    : [
        fc.nat(3).map((n) => ({ $size: n })),
        fc
          .record(
            { entitytype: fc.constantFrom('GPU', 'PCI'), entityvalue: fc.constantFrom('0', '1') },
            { requiredKeys: [] },
          )
          .map((q) => ({ $elemMatch: q })),
      ]),
  fc.array(fc.constantFrom(...CODES), { minLength: 1, maxLength: 2 }).map((v) => ({ $all: v })),
  ...(crossing
    ? []
    : [
        fc.constantFrom(...NUMBERS).map((v) => ({ $elemMatch: { $gt: v } })),
        fc.constantFrom(...STRINGS).map((v) => ({ $elemMatch: { $gte: v } })),
      ]),
  regex.map((r) => ({ $regex: r.source, ...(r.flags ? { $options: r.flags } : {}) })),
  regex.map((r) => ({ $not: r })),
  fc
    .tuple(fc.constantFrom('$gt', '$lte', '$eq', '$in'), rangeOperand)
    .map(([op, v]) => ({ $not: { [op]: op === '$in' ? [v] : v } })),
];

// mingo applies JavaScript `%` to any value (true % 2 === 1, "79" % 3 === 1, null % 3 === 0);
// MongoDB's $mod only matches numbers, truncating fractions (2.5 → 2). So $mod goes on
// integer-or-null paths with remainder ≠ 0.
const modCondition = fc
  .tuple(
    fc.constantFrom('healthevent.generatedtimestamp.seconds', 'healthevent.processingstrategy'),
    fc.constantFrom(2, 3, 7),
    fc.constantFrom(1, 2),
  )
  .map(([path, d, r]) => ({ [path]: { $mod: [d, r] } }));

const fieldCondition: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    arbitrary: fc
      .constantFrom(...FILTER_PATHS)
      .chain((path) =>
        fc
          .oneof(
            { arbitrary: literal, weight: 2 },
            { arbitrary: regex, weight: 1 },
            { arbitrary: fc.oneof(...operatorConditions(CROSSING_PATHS.has(path))), weight: 6 },
          )
          .map((cond) => ({ [path]: cond })),
      ),
    weight: 12,
  },
  { arbitrary: modCondition, weight: 1 },
  { arbitrary: errorcodeCondition, weight: 1 },
);

// Expression comparisons pair a field with a literal of the same type, and possibly-missing
// fields appear wrapped in $ifNull. mingo deviates from MongoDB's documented cross-type order
// in expressions ("$gt compares both value and type, using the BSON comparison order") and
// treats a missing field as null; fixed tests in expression.spec.ts cover those cases.
const typedExprField = (fields: string[], values: unknown[]) =>
  fc
    .tuple(fc.constantFrom(...fields), fc.constantFrom(...values), fc.constantFrom(...values), fc.boolean())
    .map(([f, d, v, wrap]) => ({
      field: wrap || !['$healthevent.checkname', '$healthevent.agent', '$_id'].includes(f) ? { $ifNull: [f, d] } : f,
      value: v,
    }));
const exprPair = fc.oneof(
  typedExprField(
    [
      '$healthevent.checkname',
      '$healthevent.agent',
      '$_id',
      '$healthevent.nodename',
      '$healtheventstatus.nodequarantined',
    ],
    STRINGS,
  ),
  typedExprField(['$healthevent.recommendedaction', '$healthevent.processingstrategy'], NUMBERS),
  typedExprField(['$createdAt'], DATES),
  typedExprField(['$healthevent.isfatal', '$healthevent.ishealthy'], [true, false]),
);
const exprCondition: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .tuple(fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte'), exprPair, fc.boolean())
    .map(([op, { field, value }, flip]) => ({ $expr: { [op]: flip ? [value, field] : [field, value] } })),
  fc
    .array(fc.constantFrom(...NODES), { maxLength: 2 })
    .map((list) => ({ $expr: { $in: ['$healthevent.nodename', list] } })),
  fc.nat(2).map((n) => ({
    $expr: { $eq: [{ $size: { $cond: [{ $isArray: '$healthevent.errorcode' }, '$healthevent.errorcode', []] } }, n] },
  })),
  fc.constantFrom('nodequarantined', 'userpodsevictionstatus').map((f) => ({
    $expr: {
      $gt: [
        {
          $size: {
            $filter: {
              input: { $objectToArray: { $ifNull: ['$healtheventstatus', {}] } },
              cond: { $eq: ['$$this.k', f] },
            },
          },
        },
        0,
      ],
    },
  })),
  fc.constantFrom(...NODES).map((n) => ({
    $expr: {
      $and: [
        { $eq: ['$healthevent.ishealthy', false] },
        { $ne: [{ $getField: { field: 'nodename', input: '$healthevent' } }, n] },
      ],
    },
  })),
);

export const filterArb: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ filter: Record<string, unknown> }>(
  (tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: fieldCondition, weight: 6 },
      { arbitrary: exprCondition, weight: 1 },
      { arbitrary: fc.tuple(fieldCondition, fieldCondition).map(([a, b]) => ({ ...a, ...b })), weight: 1 },
      {
        arbitrary: fc
          .tuple(fc.constantFrom('$and', '$or', '$nor'), fc.array(tie('filter'), { minLength: 1, maxLength: 3 }))
          .map(([op, fs]) => ({ [op]: fs })),
        weight: 2,
      },
    ),
  }),
).filter;

// ---- pipelines ---------------------------------------------------------------------------------

const isArrayOr = (path: string, fallback: unknown[] = []) => ({ $cond: [{ $isArray: path }, path, fallback] });

/** Expressions over health-event documents whose MongoDB result mingo computes faithfully. */
const expressionArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '$healthevent.nodename',
    '$healthevent.generatedtimestamp',
    { $concat: ['$healthevent.checkname', '-', '$healthevent.agent'] },
    { $concat: ['$healthevent.checkname', '/', '$healthevent.nodename'] },
    { $add: [{ $ifNull: ['$healthevent.recommendedaction', 0] }, 1] },
    { $multiply: [{ $ifNull: ['$healthevent.recommendedaction', 0] }, 2.5] },
    { $subtract: ['$createdAt', new Date('2026-01-01T00:00:00.000Z')] },
    { $add: ['$createdAt', 1500] },
    { $cond: [{ $eq: ['$healthevent.isfatal', true] }, 'fatal', 'nonfatal'] },
    { $cond: { if: { $gt: [{ $ifNull: ['$healthevent.recommendedaction', 0] }, 5] }, then: 'big', else: 'small' } },
    { $size: isArrayOr('$healthevent.errorcode') },
    { $toString: { $ifNull: ['$healthevent.recommendedaction', 'none'] } },
    { $arrayElemAt: [isArrayOr('$healthevent.errorcode', ['none']), 0] },
    { $arrayElemAt: [isArrayOr('$healthevent.errorcode', ['none']), -1] },
    { $filter: { input: isArrayOr('$healthevent.entitiesimpacted'), cond: { $eq: ['$$this.entitytype', 'GPU'] } } },
    {
      $map: {
        input: isArrayOr('$healthevent.entitiesimpacted'),
        as: 'e',
        in: { $ifNull: ['$$e.entityvalue', 'none'] },
      },
    },
    { $in: ['79', isArrayOr('$healthevent.errorcode')] },
    { $dateToString: { format: '%Y-%m-%d %H:%M', date: '$createdAt' } },
    // MongoDB's $getField returns null for a null/missing input, mingo returns missing: $ifNull agrees.
    { $ifNull: [{ $getField: { field: 'k1', input: '$healthevent.metadata' } }, 'none'] },
    { $ifNull: ['$healthevent.nodename', 'unknown'] },
    // $toLower of null/missing is "" in MongoDB (documented) and null in mingo: keep it non-null.
    { $toLower: { $ifNull: ['$healthevent.checkname', 'X'] } },
    {
      $and: [
        { $eq: ['$healthevent.ishealthy', false] },
        { $in: [{ $ifNull: ['$healthevent.processingstrategy', 1] }, [1, 3]] },
      ],
    },
    {
      $or: [
        { $eq: ['$healthevent.agent', 'health-events-analyzer'] },
        { $not: [{ $eq: ['$healthevent.isfatal', true] }] },
      ],
    },
    { $literal: '$notAPath' },
    { nested: '$healthevent.nodename', code: { $arrayElemAt: [isArrayOr('$healthevent.errorcode', ['x']), 0] } },
    {
      $switch: {
        branches: [
          { case: { $eq: ['$healthevent.isfatal', true] }, then: 1 },
          { case: { $eq: ['$healthevent.ishealthy', true] }, then: 2 },
        ],
        default: 3,
      },
    },
    { $let: { vars: { codes: isArrayOr('$healthevent.errorcode') }, in: { $concatArrays: ['$$codes', ['end']] } } },
    // Set results have no defined order in MongoDB: compare their size.
    { $size: { $setUnion: [isArrayOr('$healthevent.errorcode'), ['79']] } },
    { $mergeObjects: [{ $ifNull: ['$healthevent.metadata', {}] }, { extra: 1 }] },
    { $type: '$healthevent.recommendedaction' },
    { $cmp: [{ $ifNull: ['$healthevent.recommendedaction', 0] }, 2] },
    { $abs: { $ifNull: ['$healthevent.recommendedaction', -3] } },
    { $mod: [{ $ifNull: ['$healthevent.generatedtimestamp.seconds', 7] }, 3] },
    { $toDouble: { $ifNull: ['$healthevent.processingstrategy', '4'] } },
    { $toInt: { $ifNull: ['$healthevent.processingstrategy', '5'] } },
    { $regexMatch: { input: { $ifNull: ['$healthevent.nodename', ''] }, regex: '^n[12]' } },
    {
      $anyElementTrue: [
        { $map: { input: isArrayOr('$healthevent.entitiesimpacted'), in: { $eq: ['$$this.entitytype', 'PCI'] } } },
      ],
    },
    { $dateToString: { format: '%H:%M', date: '$createdAt', timezone: 'America/New_York' } },
    { $filter: { input: isArrayOr('$healthevent.errorcode'), as: 'c', cond: { $ne: ['$$c', '79'] }, limit: 1 } },
    { $first: isArrayOr('$healthevent.errorcode', ['none']) },
    { $split: [{ $ifNull: ['$healthevent.agent', 'a-b'] }, '-'] },
    { $strLenCP: { $ifNull: ['$healthevent.checkname', ''] } },
    { $substrCP: [{ $ifNull: ['$healthevent.checkname', 'none'] }, 3, 4] },
    { $trim: { input: { $concat: ['  ', '$healthevent.agent', ' '] } } },
    { $regexFind: { input: '$healthevent.checkname', regex: '(Xid|XID)(Error)' } },
    { $regexFind: { input: '$healthevent.agent', regex: 'z+' } },
    { $reverseArray: isArrayOr('$healthevent.errorcode') },
    { $slice: [isArrayOr('$healthevent.errorcode'), 2] },
    { $slice: [isArrayOr('$healthevent.errorcode'), -1] },
    { $slice: [isArrayOr('$healthevent.errorcode'), 1, 1] },
    // A missing startDate gives null in MongoDB and an invalid Date in mingo: keep it present.
    { $dateAdd: { startDate: { $ifNull: ['$createdAt', DATES[0]] }, unit: 'hour', amount: 3 } },
    // Months clamp to the month's end in MongoDB (Jan 31 + 1 month = Feb 28) but overflow in
    // mingo; months are covered by semantics.spec.ts.
    { $dateSubtract: { startDate: { $ifNull: ['$createdAt', DATES[3]] }, unit: 'week', amount: 1 } },
    {
      $dateAdd: {
        startDate: { $ifNull: ['$createdAt', DATES[1]] },
        unit: 'day',
        amount: { $ifNull: ['$healthevent.processingstrategy', 1] },
      },
    },
    { $concat: [{ $toString: '$createdAt' }, '|', { $toString: { $ifNull: ['$healthevent.isfatal', 'none'] } }] },
  ),
  fc.constantFrom(...NUMBERS, ...STRINGS.filter((s) => !s.startsWith('$'))),
);

const sortField = fc.constantFrom(
  'healthevent.nodename',
  'healthevent.recommendedaction',
  'createdAt',
  'healthevent.checkname',
  'healthevent.isfatal',
  'healthevent.processingstrategy',
  'healthevent.generatedtimestamp.seconds',
  'healtheventstatus.nodequarantined',
);
/** Sorts always end with `_id` so the order is total (MongoDB leaves ties unspecified). */
const sortStage = fc
  .array(fc.tuple(sortField, fc.constantFrom(1, -1)), { minLength: 1, maxLength: 2 })
  .map((keys) => ({ $sort: { ...Object.fromEntries(keys), _id: 1 } }));

const fieldName = fc.constantFrom('x', 'y', 'label');
const reshapeStage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.tuple(fieldName, expressionArb).map(([f, e]) => ({ $addFields: { [f]: e } })),
  fc.tuple(fieldName, expressionArb).map(([f, e]) => ({ $set: { [f]: e, 'healthevent.extra': e } })),
  // In $project a bare number or boolean is an inclusion flag, so literals go through $literal.
  fc.tuple(fieldName, expressionArb, fc.boolean()).map(([f, e, keepNode]) => ({
    $project: {
      [f]: typeof e === 'number' || typeof e === 'boolean' ? { $literal: e } : e,
      ...(keepNode ? { 'healthevent.nodename': 1, 'healthevent.recommendedaction': 1, createdAt: 1 } : {}),
    },
  })),
  fc.constantFrom<Record<string, unknown>>(
    { $project: { healthevent: 0 } },
    { $project: { 'healthevent.metadata': 0, healtheventstatus: 0 } },
    { $project: { _id: 1, 'healthevent.entitiesimpacted.entitytype': 1, 'healthevent.nodename': 1 } },
    { $project: { _id: 0, 'healthevent.checkname': 1 } },
    { $unset: ['healthevent.errorcode', 'createdAt'] },
    { $unset: 'healtheventstatus' },
  ),
);

const groupKey = fc.constantFrom<unknown>(
  '$healthevent.nodename',
  '$healthevent.checkname',
  '$healthevent.isfatal',
  { node: '$healthevent.nodename', fatal: '$healthevent.isfatal' },
  { $ifNull: ['$healthevent.processingstrategy', 0] },
  null,
);
const accumulator = fc.constantFrom<[string, unknown]>(
  ['n', { $sum: 1 }],
  ['count', { $count: {} }],
  ['total', { $sum: '$healthevent.recommendedaction' }],
  ['avg', { $avg: '$healthevent.recommendedaction' }],
  ['minAction', { $min: '$healthevent.recommendedaction' }],
  ['maxAction', { $max: '$healthevent.recommendedaction' }],
  ['maxCreated', { $max: '$createdAt' }],
  ['minNode', { $min: '$healthevent.nodename' }],
  ['first', { $first: '$_id' }],
  ['last', { $last: '$healthevent.nodename' }],
  ['ids', { $push: '$_id' }],
  // MongoDB's $push/$addToSet skip missing values, mingo pushes null: $ifNull makes them agree
  // (expression.spec.ts asserts the MongoDB behaviour directly).
  ['nodes', { $push: { $ifNull: ['$healthevent.nodename', null] } }],
  ['set_checks', { $addToSet: '$healthevent.checkname' }],
  [
    'set_codes',
    { $addToSet: { $ifNull: [{ $arrayElemAt: [isArrayOr('$healthevent.errorcode', ['none']), 0] }, null] } },
  ],
);
const groupStage = fc
  .tuple(groupKey, fc.uniqueArray(accumulator, { minLength: 1, maxLength: 4, selector: ([name]) => name }))
  .map(([key, accs]) => ({ $group: { _id: key, ...Object.fromEntries(accs) } }));

const unwindStage = fc.constantFrom<Record<string, unknown>>(
  { $unwind: '$healthevent.errorcode' },
  { $unwind: { path: '$healthevent.entitiesimpacted', includeArrayIndex: 'idx' } },
  { $unwind: { path: '$healthevent.errorcode', preserveNullAndEmptyArrays: true } },
  {
    $unwind: {
      path: '$healthevent.entitiesimpacted',
      preserveNullAndEmptyArrays: true,
      includeArrayIndex: 'healthevent.pos',
    },
  },
);

const matchStage = filterArb.map((f) => ({ $match: f }));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const compact = (stages: (Record<string, unknown> | undefined)[]) =>
  stages.filter((s): s is Record<string, unknown> => s !== undefined);

/** Per-document stages, a total sort, then paging. */
const documentPipeline = fc
  .tuple(
    maybe(matchStage),
    fc.array(reshapeStage, { maxLength: 2 }),
    sortStage,
    maybe(fc.nat(5).map((n) => ({ $skip: n }))),
    maybe(fc.integer({ min: 1, max: 8 }).map((n) => ({ $limit: n }))),
    maybe(reshapeStage),
  )
  .map(([m, reshape, sort, skip, limit, tail]) => compact([m, ...reshape, sort, skip, limit, tail]));

/** Sorted input, optional unwind, a group, then a total sort of the groups and optional post-processing. */
const groupPipeline = fc
  .tuple(
    maybe(matchStage),
    maybe(unwindStage),
    groupStage,
    maybe(
      fc.constantFrom<Record<string, unknown>>(
        { $match: { n: { $gte: 2 } } },
        { $match: { _id: { $ne: null } } },
        { $count: 'groups' },
      ),
    ),
  )
  .map(([m, unwind, group, post]) => {
    const compoundKey =
      typeof (group.$group as { _id: unknown })._id === 'object' && (group.$group as { _id: unknown })._id !== null;
    const stages = compact([
      m,
      { $sort: { createdAt: 1, _id: 1 } },
      unwind,
      group,
      compoundKey ? undefined : { $sort: { _id: 1 } },
    ]);
    if (post && '$count' in post) return [...stages, post];
    if (post && '$match' in post && 'n' in (post.$match as object) && !('n' in (group.$group as object))) return stages;
    return compact([...stages, post]);
  });

/** A self-$lookup on the same documents (collection name "Events" in the tests). */
const lookupPipeline = fc
  .tuple(maybe(matchStage), fc.constantFrom('healthevent.nodename', 'healthevent.checkname', 'healthevent.errorcode'))
  .map(([m, field]) =>
    compact([
      m,
      { $lookup: { from: 'Events', localField: field, foreignField: field, as: 'same' } },
      // $lookup's array order is unspecified in MongoDB (set_* fields are compared as sets), and
      // mingo repeats a foreign document once per matching array element: $setUnion dedupes.
      { $project: { set_ids: { $setUnion: ['$same._id', []] } } },
      { $sort: { _id: 1 } },
    ]),
  );

/** $setWindowFields over dated events; the output is re-sorted by _id (MongoDB leaves it open). */
const windowOutput = fc.tuple(
  fc.constantFrom<[string, Record<string, unknown>]>(
    ['n', { $count: {} }],
    ['total', { $sum: { $ifNull: ['$healthevent.recommendedaction', 0] } }],
    ['avg', { $avg: '$healthevent.recommendedaction' }],
    ['ids', { $push: '$_id' }],
    ['first', { $first: '$_id' }],
    ['last', { $last: '$healthevent.checkname' }],
    ['min', { $min: '$healthevent.recommendedaction' }],
    ['max', { $max: '$healthevent.nodename' }],
  ),
  fc.option(fc.tuple(fc.integer({ min: -3, max: 0 }), fc.integer({ min: 0, max: 3 })), { nil: undefined }),
);
const windowPipeline = fc
  .tuple(
    maybe(matchStage),
    fc.constantFrom<unknown>('$healthevent.nodename', '$healthevent.checkname', undefined),
    fc.uniqueArray(windowOutput, { minLength: 1, maxLength: 3, selector: ([[name]]) => name }),
  )
  .map(([m, partitionBy, outputs]) =>
    compact([
      m,
      { $match: { createdAt: { $exists: true } } },
      {
        $setWindowFields: {
          ...(partitionBy ? { partitionBy } : {}),
          sortBy: { createdAt: 1, _id: 1 },
          output: Object.fromEntries(
            outputs.map(([[name, op], bounds]) => [name, bounds ? { ...op, window: { documents: bounds } } : op]),
          ),
        },
      },
      { $project: { healthevent: 0, healtheventstatus: 0 } },
      { $sort: { _id: 1 } },
    ]),
  );

const otherPipeline = fc.oneof(
  lookupPipeline,
  windowPipeline,
  maybe(matchStage).map((m) =>
    compact([m, { $sortByCount: '$healthevent.nodename' }, { $sort: { count: -1, _id: 1 } }]),
  ),
  maybe(matchStage).map((m) => compact([m, { $count: 'total' }])),
  fc.tuple(documentPipeline, groupPipeline).map(([a, b]) => [{ $facet: { docs: a, groups: b } }]),
  maybe(matchStage).map((m) =>
    compact([
      m,
      { $replaceRoot: { newRoot: { $mergeObjects: [{ id: '$_id' }, '$healthevent'] } } },
      { $sort: { id: 1 } },
    ]),
  ),
  maybe(matchStage).map((m) =>
    compact([
      m,
      { $replaceWith: { id: '$_id', node: '$healthevent.nodename', status: '$healtheventstatus' } },
      { $sort: { id: 1 } },
    ]),
  ),
);

export const pipelineArb: fc.Arbitrary<Record<string, unknown>[]> = fc.oneof(
  { arbitrary: documentPipeline, weight: 4 },
  { arbitrary: groupPipeline, weight: 4 },
  { arbitrary: otherPipeline, weight: 2 },
);
