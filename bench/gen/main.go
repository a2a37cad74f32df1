// Command gen writes a large pair of real Go heap profiles for benchmarks.
//
// With runtime.MemProfileRate = 1 every allocation is recorded. A recursive
// function picks one of two call sites at every level from the bits of a
// counter, so counter value i yields its own call stack: -stacks distinct
// stacks of depth -depth. Each leaf allocation is kept live. base.pb.gz is
// written after that; then a subset of stacks allocates more, a few new stacks
// appear, some base objects are freed, and head.pb.gz is written.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

func init() { runtime.MemProfileRate = 1 }

var live [][]byte

// leaf allocates one object whose size depends on the stack's index.
//
//go:noinline
func leaf(bits uint32, extra int) {
	size := 16 + int(bits%8)*16 + extra
	live = append(live, make([]byte, size))
}

// descend recurses depth levels; bit level-1 of bits selects the call site,
// so the call stack encodes bits.
//
//go:noinline
func descend(bits uint32, level int, extra int) {
	if level == 0 {
		leaf(bits, extra)
		return
	}
	if bits&(1<<uint(level-1)) != 0 {
		descend(bits, level-1, extra+0)
	} else {
		descend(bits, level-1, extra+1)
	}
}

// phase allocates one object from the stack of each index in plan.
//
//go:noinline
func phase(plan []uint32, depth int) {
	for _, bits := range plan {
		descend(bits, depth, 0)
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
	depth := flag.Int("depth", 18, "recursion depth (2^depth possible stacks)")
	stacks := flag.Int("stacks", 221000, "distinct stacks allocated before base")
	grow := flag.Int("grow-every", 8, "in head, every Nth base stack allocates 3 more objects")
	fresh := flag.Int("new-stacks", 4000, "in head, stacks that did not exist in base")
	free := flag.Int("free-every", 16, "in head, every Nth base object is freed")
	flag.Parse()
	if *out == "" || *depth < 1 || *depth > 24 || *stacks+*fresh > 1<<uint(*depth) {
		fmt.Fprintln(os.Stderr, "gen: need -out DIR, 1 <= depth <= 24 and stacks+new-stacks <= 2^depth")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	live = make([][]byte, 0, *stacks+*fresh+3*(*stacks / *grow)+16)

	// Both phases allocate through the same call site (phase, called from one
	// place in this loop), so a stack that grows in head has exactly the same
	// frames as in base.
	var plans [2][]uint32
	for i := 0; i < *stacks; i++ {
		plans[0] = append(plans[0], uint32(i))
	}
	for i := 0; i < *stacks; i += *grow {
		plans[1] = append(plans[1], uint32(i), uint32(i), uint32(i))
	}
	for i := *stacks; i < *stacks+*fresh; i++ {
		plans[1] = append(plans[1], uint32(i))
	}
	files := [2]string{"base.pb.gz", "head.pb.gz"}
	for p := 0; p < 2; p++ {
		if p == 1 {
			for i := 0; i < *stacks; i += *free {
				live[i] = nil
			}
		}
		phase(plans[p], *depth)
		if err := write(filepath.Join(*out, files[p])); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(2)
		}
	}
	runtime.KeepAlive(live)
}
