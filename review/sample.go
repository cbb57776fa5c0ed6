package review

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// MaxSamples is how many durations a sample keeps per key. Up to it, the
// median and P90 are exact; beyond it they are those of a uniform random
// sample of this size (reservoir sampling, seeded, so a review gives the
// same figures every time). Counts, maxima and target shares are always
// exact.
const MaxSamples = 2048

// sample keeps the count and maximum of durations, and a bounded uniform
// sample of them for quantiles.
type sample struct {
	n   int
	max time.Duration
	res []time.Duration
	rng *rand.Rand
}

func (s *sample) add(d time.Duration) {
	s.n++
	if s.n == 1 || d > s.max {
		s.max = d
	}
	if len(s.res) < MaxSamples {
		s.res = append(s.res, d)
		return
	}
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(1, uint64(s.n)))
	}
	if i := s.rng.IntN(s.n); i < MaxSamples {
		s.res[i] = d
	}
}

// quantiles returns the q-quantiles of the sample by the nearest-rank
// method (the smallest value with at least q of the values at or below
// it).
func (s *sample) quantiles(qs ...float64) []time.Duration {
	out := make([]time.Duration, len(qs))
	if len(s.res) == 0 {
		return out
	}
	sorted := slices.Clone(s.res)
	slices.Sort(sorted)
	for i, q := range qs {
		rank := int(math.Ceil(q * float64(len(sorted))))
		out[i] = sorted[min(max(rank, 1), len(sorted))-1]
	}
	return out
}
