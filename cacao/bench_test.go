package cacao

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
)

// benchInput is a design and the CACAO JSON of its playbooks.
type benchInput struct {
	d        *secops.Design
	adapters *config.File // the export's Options.Adapters
	json     [][]byte
}

// benchInputs are the inputs of the benchmarks: the reference design
// (targeted-attack) with its exported playbooks, the same exported with
// webhook adapters (http-api commands for SOARCA's soarca-http-api,
// manual ones for soarca-manual), and the 26-step MISP playbook with the
// design it imports to. Each is the design and the CACAO JSON of its
// playbooks.
func benchInputs(b *testing.B) map[string]*benchInput {
	b.Helper()
	in := map[string]*benchInput{}
	if d, lf, err := secops.LoadFile(bundled[0]); err == nil && !lf.HasErrors() {
		for name, af := range map[string]*config.File{"reference": nil, "reference-soarca": testAdapters(b, d)} {
			if af != nil {
				for i := range af.Adapters {
					af.Adapters[i] = config.Entry{Name: af.Adapters[i].Name, Kind: config.Webhook,
						URL: "https://soar.example.org/hooks/" + string(af.Adapters[i].Name)}
				}
			}
			files, err := Export(d, Options{Adapters: af})
			if err != nil {
				b.Fatal(err)
			}
			var js [][]byte
			for _, f := range files {
				var buf bytes.Buffer
				if err := f.Playbook.Encode(&buf); err != nil {
					b.Fatal(err)
				}
				js = append(js, buf.Bytes())
			}
			in[name] = &benchInput{d, af, js}
		}
	}
	if data, err := os.ReadFile(filepath.Join(sharedDir, "cacao", "examples", "misp-malware-triage.json")); err == nil {
		d, _, err := Import(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		in["misp"] = &benchInput{d, nil, [][]byte{data}}
	}
	if len(in) == 0 {
		b.Skip("neither the reference design nor the MISP playbook is here")
	}
	return in
}

// BenchmarkDecodeCACAO is the baseline: encoding/json into the CACAO
// types, nothing else.
func BenchmarkDecodeCACAO(b *testing.B) {
	eachInput(b, func(b *testing.B, in *benchInput) {
		b.ReportAllocs()
		for b.Loop() {
			for _, js := range in.json {
				var pb Playbook
				if err := json.Unmarshal(js, &pb); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkImport: Import of the same JSON, the JSON's shape checked and
// every dropped property listed.
func BenchmarkImport(b *testing.B) {
	eachInput(b, func(b *testing.B, in *benchInput) {
		b.ReportAllocs()
		for b.Loop() {
			for _, js := range in.json {
				if _, _, err := Import(bytes.NewReader(js)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkExport: Export of the design to CACAO playbooks, encoded to
// JSON: the inverse of BenchmarkDecodeCACAO's work.
func BenchmarkExport(b *testing.B) {
	eachInput(b, func(b *testing.B, in *benchInput) {
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			files, err := Export(in.d, Options{Adapters: in.adapters})
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range files {
				buf.Reset()
				if err := f.Playbook.Encode(&buf); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// eachInput runs f as a sub-benchmark on each benchmark input there is:
// the reference design, plain and for SOARCA, and, with ../shared, the
// MISP playbook.
func eachInput(b *testing.B, f func(b *testing.B, in *benchInput)) {
	for _, name := range []string{"reference", "reference-soarca", "misp"} {
		in, ok := benchInputs(b)[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) { f(b, in) })
	}
}
