// Package bag provides partitioned collections, Dask's bag in Go: a lazy
// collection split into partitions, transformed element by element,
// reduced in trees, and computed by package sched.
//
//	var g graph.Graph
//	nums := bag.Range(&g, 0, 1_000_000)                          // lazy: no task yet
//	sq := bag.Map(nums, func(x int) int { return x * x })         // still none
//	even := bag.Filter(sq, func(x int) bool { return x%2 == 0 })  // still none
//	sum := bag.Sum(even)                                          // graph.Delayed[int]
//	v, err := sched.Compute(ctx, sum)
//
// A bag's partitions become tasks of an ordinary [graph.Graph], so bags and
// delayed values mix: every reduction returns a [graph.Delayed], and
// [FromDelayed] makes a bag of Delayed slices.
//
// # Fusion
//
// Element-wise stages (Map, MapErr, Filter, Remove, FlatMap, MapPartitions,
// MapBlocks, Pluck) add no tasks. A partition keeps the recipe of its
// pending stages, and the task that consumes the partition — a reduction's
// leaf, a write, a collect — runs them all in one pass: the source pushes
// blocks of a few hundred elements through one tight loop per stage into
// the consumer. No partition-sized slice is made between stages, and a
// range, a file or a sequence is never held whole. Above, the sum over ten
// million integers is 306 tasks (one per partition of 32Ki, plus the tree)
// and reads no memory but a block per task.
//
// Map, Filter and the other stages that take a function per element call
// it through a func value, which the compiler cannot inline: a call costs
// one to two nanoseconds, more than the whole body of a cheap loop. That is
// a floor for any library taking func(T) U per element, not a cost of
// fusion, which only trims what is around the calls (a Filter right after
// a Map runs in the map's loop). On the 2-core development VM,
// map(square) → filter(even) → sum over ten million integers costs
// 0.7–1 ns per element as a hand-written loop with the functions inlined.
// The same loop calling square and even as func values costs 3.5–3.8 on
// one goroutine and 2.2–2.3 split over two, and Map, Filter and Sum cost
// 4.4–5.7 on one worker and 2.6–3.2 on two: per-element functions, in a
// bag or by hand, run at a fifth to a quarter of the inlined loop's speed
// on one core and under half of it on two. For hot loops, MapBlocks
// (stages) and FoldBlocks (reductions) take block-at-a-time kernels the
// compiler optimises as a whole: FoldBlocks runs that pipeline at
// 0.6–0.95 of the loop's speed on one worker and 1.1–1.8 times it on two.
//
// A bag used by two consumers runs its pending stages for each. Stages that
// need whole partitions (Zip, Repartition, Collect, Partitions) compute
// them once and share them.
//
// # Reductions
//
// Reductions are trees: one task per partition, then combine tasks that
// merge up to [SplitEvery] (default 8) partial results each, in partition
// order, so results do not depend on the number of workers. Grouped
// reductions (FoldBy, Frequencies, GroupBy, Distinct, TopK) combine
// per-partition maps or lists in the same way.
//
// # Sequences
//
// [FromSeq] makes a bag of an iter.Seq, Go's generator, possibly infinite.
// Its length is unknown, so it stays unbounded until [Take] bounds it;
// the prefix is then cut into partitions, in order, while it is consumed,
// so a pipeline over a hundred million generated elements runs in the
// memory of a few partitions.
//
// # Errors
//
// Building never panics. A mistake (a nil function, k < 0, a missing file)
// is kept by the bag ([Bag.Err]) and fails whatever is computed from it,
// as a task named after the stage. At run time, an error or a panic in a
// stage fails that partition's task with a [PartitionError] naming the
// stage and the partition, inside the scheduler's TaskError naming the
// task.
package bag
