package secops_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/secopsdesign/secops/finding"
	"go.yaml.in/yaml/v3"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/internal/synth"
)

var benchSizes = []int{10, 100, 1000}

// benchDocs returns the synthetic design with n playbooks as JSON and YAML.
func benchDocs(b *testing.B, n int) (jsonDoc, yamlDoc []byte) {
	b.Helper()
	d := synth.Design(n)
	var j, y bytes.Buffer
	if err := d.WriteJSON(&j); err != nil {
		b.Fatal(err)
	}
	if err := d.WriteYAML(&y); err != nil {
		b.Fatal(err)
	}
	return j.Bytes(), y.Bytes()
}

func perPlaybook(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/playbook")
}

// loop runs op b.N times and reports, besides the time, the CPU time per
// op (cpu-ns/op): on a machine shared with other work the ratios of
// these are the ones to read.
func loop(b *testing.B, op func()) {
	b.ReportAllocs()
	var start time.Duration
	first := true
	for b.Loop() {
		if first {
			start, first = cpuTime(), false
		}
		op()
	}
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkDecodeJSON is the baseline of BenchmarkLoadValidate/json:
// encoding/json into the same types, nothing else.
func BenchmarkDecodeJSON(b *testing.B) {
	for _, n := range benchSizes {
		doc, _ := benchDocs(b, n)
		b.Run(fmt.Sprintf("playbooks=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			loop(b, func() {
				var d secops.Design
				if err := json.Unmarshal(doc, &d); err != nil {
					b.Fatal(err)
				}
			})
			perPlaybook(b, n)
		})
	}
}

// BenchmarkParseYAMLNode is the baseline of BenchmarkLoadValidate/yaml:
// go.yaml.in/yaml/v3 parsing into a yaml.Node, nothing else. Load parses
// into the same tree and decodes from it.
func BenchmarkParseYAMLNode(b *testing.B) {
	for _, n := range benchSizes {
		_, doc := benchDocs(b, n)
		b.Run(fmt.Sprintf("playbooks=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			loop(b, func() {
				var node yaml.Node
				if err := yaml.Unmarshal(doc, &node); err != nil {
					b.Fatal(err)
				}
			})
			perPlaybook(b, n)
		})
	}
}

// BenchmarkLoadValidate loads and validates the synthetic designs, from
// JSON and from YAML.
func BenchmarkLoadValidate(b *testing.B) {
	for _, n := range benchSizes {
		j, y := benchDocs(b, n)
		for _, c := range []struct {
			format string
			doc    []byte
		}{{"json", j}, {"yaml", y}} {
			b.Run(fmt.Sprintf("%s/playbooks=%d", c.format, n), func(b *testing.B) {
				b.SetBytes(int64(len(c.doc)))
				loop(b, func() {
					d, lf, err := secops.Load(bytes.NewReader(c.doc), "synth."+c.format)
					if err == nil {
						err = lf.Err()
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := d.Validate(); err != nil {
						b.Fatal(err)
					}
				})
				perPlaybook(b, n)
			})
		}
	}
}

// BenchmarkWideMapping loads and validates a 7.8 MB design whose top-level
// block mapping has 100,000 keys (all but format unknown), beside parsing
// it into a yaml.Node. The goal is well under a second per load.
func BenchmarkWideMapping(b *testing.B) {
	doc := synth.WideMapping(100000)
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		loop(b, func() {
			var node yaml.Node
			if err := yaml.Unmarshal(doc, &node); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("load-validate", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		loop(b, func() {
			d, lf, err := secops.Load(bytes.NewReader(doc), "wide.yaml")
			if err == nil {
				err = lf.Err()
			}
			if d == nil {
				b.Fatal(err)
			}
			if l := finding.From(d.Validate()); len(l) < 100000-1 {
				b.Fatalf("%d findings, want one per unknown key", len(l))
			}
		})
	})
}
