package duration

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Duration is a length of time written with the units s (seconds),
// m (minutes), h (hours), d (days of 24 hours) and w (weeks of 7 days):
// "90s", "30m", "2h", "14d", "2w", or a sequence of them such as "1h30m".
// The zero Duration means "not set".
type Duration time.Duration

// Pattern is the regular expression that every written Duration matches.
const Pattern = `^([0-9]+[smhdw])+$`

// Day and Week are the two units that time.Duration lacks.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

var units = []struct {
	suffix byte
	size   time.Duration
}{{'w', Week}, {'d', Day}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}}

// want says what a duration looks like, for error messages.
const want = "want a whole number followed by one of s, m, h, d, w, such as 30m, 2h or 14d"

// Parse reads a Duration such as "2h" or "1d12h".
func Parse(s string) (Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i || j == len(s) {
			return 0, fmt.Errorf("malformed duration %q: %s", s, want)
		}
		n, err := strconv.ParseInt(s[i:j], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		size := time.Duration(0)
		for _, u := range units {
			if s[j] == u.suffix {
				size = u.size
			}
		}
		if size == 0 {
			return 0, fmt.Errorf("malformed duration %q: unknown unit %q; %s", s, s[j], want)
		}
		if n > int64(1<<62)/int64(size) || total+time.Duration(n)*size < total {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += time.Duration(n) * size
		i = j + 1
	}
	return Duration(total), nil
}

// String writes d with the largest units first, e.g. "2w", "1h30m"; the
// zero Duration is "0s".
func (d Duration) String() string {
	if d <= 0 {
		if d == 0 {
			return "0s"
		}
		if d == math.MinInt64 {
			// -d overflows: no unit count is exact here anyway.
			return time.Duration(d).String()
		}
		return "-" + Duration(-d).String()
	}
	rest := time.Duration(d)
	var b []byte
	for _, u := range units {
		if n := rest / u.size; n > 0 {
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, u.suffix)
			rest -= n * u.size
		}
	}
	if rest > 0 { // below a second: keep it exact rather than drop it
		return time.Duration(d).String()
	}
	return string(b)
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// MarshalText writes d as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads d as Parse does.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
