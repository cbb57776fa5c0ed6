package review

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSampleQuantiles(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want []time.Duration // median, P90, max
	}{
		{"empty", nil, []time.Duration{0, 0, 0}},
		{"one", []time.Duration{5}, []time.Duration{5, 5, 5}},
		// Nearest rank: the median of four is the second, the P90 the
		// fourth.
		{"four", []time.Duration{4, 1, 3, 2}, []time.Duration{2, 4, 4}},
		{"ten", []time.Duration{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, []time.Duration{5, 9, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sample
			for _, d := range tt.in {
				s.add(d)
			}
			q := s.quantiles(0.5, 0.9)
			if diff := cmp.Diff(tt.want, append(q, s.max)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Past MaxSamples the sample stays bounded, the count and maximum exact,
// and the quantiles close to the true ones of a uniform spread.
func TestSampleBounded(t *testing.T) {
	var s sample
	const n = 100 * MaxSamples
	for i := range n {
		s.add(time.Duration((i * 7919) % n)) // every value 0..n-1 once, shuffled
	}
	if len(s.res) != MaxSamples || s.n != n || s.max != n-1 {
		t.Fatalf("kept %d, counted %d, max %d", len(s.res), s.n, s.max)
	}
	q := s.quantiles(0.5, 0.9)
	for i, want := range []float64{0.5 * n, 0.9 * n} {
		if got := float64(q[i]); got < want-0.05*n || got > want+0.05*n {
			t.Errorf("quantile %d: %v, want %v ± 5%%", i, got, want)
		}
	}
}
