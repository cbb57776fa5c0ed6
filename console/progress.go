package console

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// ShowProgress draws a progress bar of what ("replay"), read bytes
// against total (0: unknown), on w, a terminal, every 200ms until the
// returned function is called, which clears its line.
func ShowProgress(w io.Writer, what string, read *atomic.Int64, total int64) (done func()) {
	stop := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprint(w, "\r\033[K"+ProgressLine(what, read.Load(), total, time.Since(start)))
			}
		}
	}()
	return func() { close(stop); <-finished }
}

// ProgressLine is one line of progress of what: a bar and the
// percentage when the total is known, the bytes read and the rate.
func ProgressLine(what string, read, total int64, elapsed time.Duration) string {
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(", %.1f MiB/s", mib(read)/s)
	}
	if total <= 0 {
		return fmt.Sprintf("%s: %.1f MiB read%s", what, mib(read), rate)
	}
	const width = 30
	frac := min(1, float64(read)/float64(total))
	filled := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < filled {
			bar[i] = '#'
		}
	}
	return fmt.Sprintf("%s [%s] %3.0f%% %.1f of %.1f MiB%s", what, bar, 100*frac, mib(read), mib(total), rate)
}
