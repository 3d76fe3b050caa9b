/**
 * The `pulumi up/destroy --parallel` the docs recommend for archives: the engine's default
 * (4 × CPUs, 8 on a 2-core machine) runs an archive's independent first-level creates in waves of
 * that size, so `up` grows with the shard count (measured by `npm run bench`: 100 shards 38.0 s at
 * the default, 13.5 s at 64). The demo and the benchmark use it.
 */
export const RECOMMENDED_PARALLEL = 64;
