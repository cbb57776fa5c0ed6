package console_test

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secopsdesign/secops/console"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		read, total int64
		elapsed     time.Duration
		want        string
	}{
		{0, 100 << 20, 0, "replay [..............................]   0% 0.0 of 100.0 MiB"},
		{50 << 20, 100 << 20, 2 * time.Second, "replay [###############...............]  50% 50.0 of 100.0 MiB, 25.0 MiB/s"},
		{200 << 20, 100 << 20, time.Second, "replay [##############################] 100% 200.0 of 100.0 MiB, 200.0 MiB/s"},
		{3 << 20, 0, time.Second, "replay: 3.0 MiB read, 3.0 MiB/s"},
	}
	for _, tt := range tests {
		if got := console.ProgressLine("replay", tt.read, tt.total, tt.elapsed); got != tt.want {
			t.Errorf("progressLine(%d, %d, %v) = %q, want %q", tt.read, tt.total, tt.elapsed, got, tt.want)
		}
	}
}

// The progress bar draws while reading and clears its line when done.
func TestShowProgress(t *testing.T) {
	var read atomic.Int64
	var b progressBuffer
	done := console.ShowProgress(&b, "replay", &read, 10)
	read.Store(5)
	time.Sleep(450 * time.Millisecond)
	done()
	s := b.String()
	if !strings.Contains(s, "50%") || !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("progress output %q", s)
	}
}

// progressBuffer is a bytes.Buffer safe for the progress goroutine.
type progressBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (p *progressBuffer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.Write(b)
}

func (p *progressBuffer) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.String()
}
