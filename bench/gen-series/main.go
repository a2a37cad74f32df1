// Command gen-series writes a series of real Go heap profiles for the trend
// benchmark: one snapshot per round, -rounds rounds, -interval apart, so each
// profile carries its own time_nanos.
//
// At runtime.MemProfileRate = -rate, every round:
//   - each of -stacks steady stacks (distinct call stacks made by recursing
//     -depth levels and picking one of two call sites per level from the bits
//     of the stack's index, as bench/gen does) replaces about a quarter of its
//     live objects: inuse stays flat but noisy, alloc keeps growing;
//   - main.leakyHandler keeps -leak-objects more objects of -leak-size bytes
//     (a linear leak);
//   - main.cacheFill grows a cache during the first third of the rounds, then
//     stops (a plateau);
//   - main.churn allocates temporary garbage (only alloc_* grows).
//
// -seed makes each target (pod) different.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

var (
	slots  [][][]byte
	leaked [][]byte
	cache  [][]byte
	sink   []byte
	rng    *rand.Rand
)

// leaf allocates n objects whose size depends on the stack's index.
//
//go:noinline
func leaf(i uint32, n int) [][]byte {
	objs := make([][]byte, n)
	for k := range objs {
		objs[k] = make([]byte, 64+int(i%8)*64+rng.Intn(64))
	}
	return objs
}

// descend recurses level levels; bit level-1 of i selects the call site, so
// the call stack encodes i.
//
//go:noinline
func descend(i uint32, level int, n int) [][]byte {
	if level == 0 {
		return leaf(i, n)
	}
	if i&(1<<uint(level-1)) != 0 {
		return descend(i, level-1, n)
	}
	return descend(i, level-1, n)
}

//go:noinline
func steady(i uint32, depth int, n int) { slots[i] = descend(i, depth, n) }

//go:noinline
func holdResult(size int) []byte { return make([]byte, size) }

//go:noinline
func leakyHandler(n, size int) {
	for k := 0; k < n; k++ {
		leaked = append(leaked, holdResult(size))
	}
}

//go:noinline
func cacheFill(n int) {
	for k := 0; k < n; k++ {
		cache = append(cache, make([]byte, 1024))
	}
}

//go:noinline
func churn(n int) {
	for k := 0; k < n; k++ {
		sink = make([]byte, 256+rng.Intn(4096))
	}
}

func write(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func main() {
	out := flag.String("out", "", "output directory (required)")
	rounds := flag.Int("rounds", 12, "snapshots to write")
	interval := flag.Duration("interval", 1050*time.Millisecond, "time between snapshots")
	stacks := flag.Int("stacks", 3000, "steady stacks")
	depth := flag.Int("depth", 12, "recursion depth (2^depth possible stacks)")
	rate := flag.Int("rate", 512, "runtime.MemProfileRate")
	leakN := flag.Int("leak-objects", 40, "objects leaked per round")
	leakSize := flag.Int("leak-size", 8192, "size of a leaked object")
	seed := flag.Int64("seed", 1, "random seed (one per target)")
	flag.Parse()
	if *out == "" || *depth < 1 || *depth > 24 || *stacks > 1<<uint(*depth) || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "gen-series: need -out DIR, 1 <= depth <= 24, stacks <= 2^depth, rounds >= 1")
		os.Exit(2)
	}
	runtime.MemProfileRate = *rate
	rng = rand.New(rand.NewSource(*seed))
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen-series:", err)
		os.Exit(2)
	}
	slots = make([][][]byte, *stacks)
	for i := 0; i < *stacks; i++ {
		steady(uint32(i), *depth, 2+rng.Intn(5))
	}
	warm := (*rounds + 2) / 3
	for r := 0; r < *rounds; r++ {
		if r > 0 {
			for i := 0; i < *stacks; i++ {
				if rng.Intn(4) == 0 {
					steady(uint32(i), *depth, 2+rng.Intn(5))
				}
			}
		}
		leakyHandler(*leakN, *leakSize)
		if r < warm {
			cacheFill(400)
		}
		churn(2000 + rng.Intn(2000))
		if err := write(filepath.Join(*out, fmt.Sprintf("heap-%03d.pb.gz", r))); err != nil {
			fmt.Fprintln(os.Stderr, "gen-series:", err)
			os.Exit(2)
		}
		if r < *rounds-1 {
			time.Sleep(*interval)
		}
	}
	runtime.KeepAlive(slots)
	runtime.KeepAlive(leaked)
	runtime.KeepAlive(cache)
}
