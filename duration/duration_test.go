package duration

import (
	"math"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "90s", want: 90 * time.Second},
		{in: "30m", want: 30 * time.Minute},
		{in: "2h", want: 2 * time.Hour},
		{in: "14d", want: 14 * Day},
		{in: "2w", want: 2 * Week},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "", wantErr: true},
		{in: "h", wantErr: true},
		{in: "5", wantErr: true},
		{in: "5 m", wantErr: true},
		{in: "-5m", wantErr: true},
		{in: "1.5h", wantErr: true},
		{in: "99999999999999999999w", wantErr: true},
		{in: "999999999999w", wantErr: true},
		{in: "0s", want: 0},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got.Std() != tt.want {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, got.Std(), tt.want)
		}
		if err == nil {
			back, err := Parse(got.String())
			if err != nil || back != got {
				t.Errorf("Parse(%q).String() = %q does not read back: %v %v", tt.in, got.String(), back, err)
			}
		}
	}
}

// TestStringMinimum: the most negative duration prints, rather than
// recurse for ever on its negation, which overflows.
func TestStringMinimum(t *testing.T) {
	if got, want := Duration(math.MinInt64).String(), time.Duration(math.MinInt64).String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
