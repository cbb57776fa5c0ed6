package render

import (
	"context"
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
		if d, _, _ := secops.Load(f, referencePath); d == nil {
			b.Fatal("nil design")
		}
		f.Close()
	}
}

func BenchmarkMarkdown(b *testing.B) {
	d, _, _ := secops.LoadFile(referencePath)
	for b.Loop() {
		if err := Markdown(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMermaid(b *testing.B) {
	d, _, _ := secops.LoadFile(referencePath)
	for b.Loop() {
		if err := Mermaid(io.Discard, d, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHTML renders the reference runbook as HTML, its two flows drawn
// by the in-process Graphviz; BenchmarkMarkdown beside it is the baseline.
func BenchmarkHTML(b *testing.B) {
	d, _, _ := secops.LoadFile(referencePath)
	ctx := context.Background()
	if err := HTML(ctx, io.Discard, d); err != nil { // the first call starts Graphviz
		b.Fatal(err)
	}
	for b.Loop() {
		if err := HTML(ctx, io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSVG is the per-call cost of drawing one flow (the reference's
// targeted-attack playbook) once Graphviz has started.
func BenchmarkSVG(b *testing.B) {
	d, _, _ := secops.LoadFile(referencePath)
	ctx := context.Background()
	p := d.Playbook("targeted-attack-triage")
	if err := SVG(ctx, io.Discard, d, p); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := SVG(ctx, io.Discard, d, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSVGStart is what the first drawing in a process pays on top of
// BenchmarkSVG: starting the secops-graphviz helper, which compiles
// Graphviz (from its cache) and makes its context, and drawing one flow.
func BenchmarkSVGStart(b *testing.B) {
	d, _, _ := secops.LoadFile(referencePath)
	ctx := context.Background()
	p := d.Playbook("targeted-attack-triage")
	for b.Loop() {
		h := &Helper{Path: helperPath}
		if err := SVG(ctx, io.Discard, d, p, WithDrawer(h)); err != nil {
			b.Fatal(err)
		}
		if err := h.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
