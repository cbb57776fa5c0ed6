package render

import (
	"io"
	"os"
	"testing"

	"github.com/secopsdesign/secops"
)

// BenchmarkLoad is the baseline: loading the reference design, which every
// rendering from a file pays first.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		f, err := os.Open(referencePath)
		if err != nil {
			b.Fatal(err)
		}
		if d, _ := secops.Load(f, referencePath); d == nil {
			b.Fatal("nil design")
		}
		f.Close()
	}
}

func BenchmarkMarkdown(b *testing.B) {
	d, _ := secops.LoadFile(referencePath)
	for b.Loop() {
		if err := Markdown(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMermaid(b *testing.B) {
	d, _ := secops.LoadFile(referencePath)
	for b.Loop() {
		if err := Mermaid(io.Discard, d, nil); err != nil {
			b.Fatal(err)
		}
	}
}
