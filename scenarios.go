package secops

import (
	"io"
	"os"

	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/scenario"
)

// LoadScenarioFile reads the scenario file at path. See LoadScenarios.
func LoadScenarioFile(path string) (*scenario.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadScenarios(f, path)
}

// LoadScenarios reads a scenario file (format secops-scenarios/v1) in YAML
// or JSON from r, with the same checks and findings as Load: unknown keys
// and values of the wrong type are findings with positions. The file is
// returned whenever it could be read, together with its findings.
func LoadScenarios(r io.Reader, name string) (*scenario.File, error) {
	data, err := io.ReadAll(io.LimitReader(r, document.MaxSize+1))
	if err != nil {
		return nil, err
	}
	f := &scenario.File{}
	src, findings, fatal := document.Decode(data, name, f, "scenario file")
	if fatal {
		return nil, findings
	}
	if f.Format != scenario.Format {
		p := finding.NewPath("format")
		fd := finding.New(finding.InvalidValue, p, "format is %q, want %q", f.Format, scenario.Format)
		if f.Format == "" {
			fd = finding.New(finding.Required, p, "format is required: %q", scenario.Format)
		}
		fd.Position = src.Position("format", false)
		findings = append(findings, fd)
	}
	return f, findings.Err()
}
