/**
 * The `pulumi up/destroy --parallel` the docs recommend for archives: the engine's default
 * (4 × CPUs, 8 on a 2-core machine) runs an archive's independent first-level creates in waves of
 * that size, so `up` grows with the shard count. 128 is above the workload count of the largest
 * archive the benchmark measures (100 shards: 103 workloads), so every level runs in one wave;
 * 64 ran it in two (measured by `npm run bench`, see the README's Performance section). The demo
 * and the benchmark use it.
 */
export const RECOMMENDED_PARALLEL = 128;
