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
// MapBlocks, Pluck, PluckAt) add no tasks. A partition keeps the recipe of its
// pending stages, and the task that consumes the partition — a reduction's
// leaf, a write, a collect — runs them all in one pass: the source pushes
// blocks of a few hundred elements through one tight loop per stage into
// the consumer. No partition-sized slice is made between stages, and a
// range, a file or a sequence is never held whole. Above, the sum over a
// million integers is 147 tasks (one per partition, plus the tree) and
// reads no memory but a block per task; over ten million, 351.
//
// Map, Filter and the other stages that take a function per element call
// it through a func value, which the compiler cannot inline: a call costs
// more than the whole body of a cheap loop. That is a floor for any
// library taking func(T) U per element, not a cost of fusion, which only
// trims what is around the calls (a Filter right after a Map runs in the
// map's loop). So the fair yardstick for Map, Filter and Sum is a loop
// calling the same func values, not a loop with the functions inlined; the
// README's benchmark table gives both. For hot loops, MapBlocks (stages)
// and FoldBlocks (reductions) take block-at-a-time kernels the compiler
// optimises as a whole, and come close to the inlined loop per core.
//
// # Shared stages
//
// A bag with several consumers in one graph (a mean, the frequencies and a
// fold-by of one parsed bag) runs its pending stages once per run, not once
// per consumer: the first consumer's task runs the stages fused with its
// own work and, because other consumers exist, keeps the partition's
// elements; the other consumers' tasks (named "shared|…") read them. Only
// linear chains are fused. A bag with one consumer keeps nothing and
// streams; the kept elements are released, like any result, when the last
// task reading them is done. A partition that may be too large to keep
// (a range or a sequence's chunk of more than 1Mi elements, more than 256
// MiB of text, a whole sequence) is not shared: each consumer streams it,
// as it would alone. Two consequences follow from the first
// consumer carrying the stages: computing a later consumer on its own runs
// the first consumer's task too, and an error in that consumer's own
// stages fails the later consumers as well. Stages that need whole
// partitions (Zip, Map3, MapN, Repartition, Collect, ToDelayed) compute them once and
// share them in the same way.
//
// # Partitions
//
// A bag cannot know what its elements cost, so the default partitioning
// of FromSlice, Range and Take over a sequence serves both ends: up to 128
// elements make one partition each, so a few costly elements (file names,
// tiles, URLs) run in parallel; more make 128 partitions, or as many
// partitions of 32Ki elements as it takes once that is more, so a large
// collection of cheap elements pays a task per 32Ki elements at most and
// its task overhead is lost in the work; past 4096 partitions (128Mi
// elements) partitions grow instead, so the graph stays small. The rule
// depends on the length alone, so a graph has the same shape on every
// machine. Partitions(n) and PartitionSize(n) override it; ReadText cuts
// files by bytes (BlockSize).
//
// # Reductions
//
// Reductions are trees: one task per partition, then combine tasks that
// merge up to [SplitEvery] (default 8) partial results each, in partition
// order, so results do not depend on the number of workers. Grouped
// reductions (FoldBy, Frequencies, GroupBy, Distinct, TopK) combine
// per-partition maps or lists in the same way.
//
// Groups and FoldGroups group by key into a bag instead of one map (Dask's
// groupby with the tasks shuffle, and foldby with split_out): each input
// partition splits its elements by a hash of the key into SplitOut
// buckets, and each output partition merges its bucket of every input, so
// a result larger than one map is possible. Items turns a grouped result
// that is one map into a bag of pairs, so TopK and the other stages chain
// on it; MostCommon and SortedFrequencies are the common cases in one step.
//
// # Delayed arguments
//
// MapWith, FilterWith and FlatMapWith take a graph.Delayed computed
// elsewhere in the same graph (Dask's b.map(f, b.mean())): every
// partition's task waits for it, and it is computed once per run. Join
// indexes a Delayed slice once and streams the bag past it; JoinBag joins
// two bags too large for that, shuffling both by key and holding one
// bucket of the other bag per task.
//
// # Remote partitions
//
// The [Remote] option marks the tasks that run a bag's partitions with
// graph.Remote, so an executor attached to the run (sched.WithExecutor,
// package cluster) may run them in other processes. The mark follows the
// partitions through every stage, fusion and sharing included (the
// "shared|…" readers carry it too), so the fused stages run where the
// partition's task runs and only whole partitions or partial results
// travel, never single elements; the combining levels of reduction trees
// stay in the run's own process, and so does the small task that picks
// a shared partition out of its first consumer's result for the readers.
// Every source takes the option (FromDelayed's form with options is
// FromDelayedSlice); a sequence (FromSeq) is iterated in the run's own
// process, by a chain of local tasks sharing its iterator, and only the
// tasks running stages on the partitions cut from it are marked.
// These tasks' values are held as any (a partial sum, a bucket of a
// shuffle, a kept partition); the bag registers each one's concrete type
// with package codec as it lays the task out, so they travel in codec's
// named form, and a worker that rebuilds the graph has registered the
// same types. A user's own types among them (the accumulator of a Fold,
// the elements) must be able to travel: exported fields, no functions
// or channels (codec.Check).
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
// task. A stage over the lines of a text source also names the file and
// line of the element that failed, through any number of element-wise
// stages before it (a Map after a Filter or a FlatMap included): a block
// read from text carries where each element was read, the stages that
// work element by element hand those places on with their output block
// (a Filter keeps the places of the elements it keeps, a FlatMap gives
// each output its input's), and a failing stage looks its element up.
// Text blocks run through such stages one call per element, which costs
// little next to reading a line; other sources keep their tight loops;
// and the line number is counted only on the error path. The place is
// left empty rather than guessed where the elements' places are not
// known: after a stage that makes blocks of its own (MapBlocks,
// MapPartitions, Flatten, RandomSample), in a "shared|…" task reading a
// partition kept for several consumers (the kept elements carry no
// places; the first consumer's task, which reads the file, has them), and
// over partitions computed whole (Take, Zip, Repartition, Persist).
package bag
