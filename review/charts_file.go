package review

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteCharts writes each chart's SVG into dir, as the file it names,
// making dir if need be.
func WriteCharts(dir string, charts []Chart) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range charts {
		if err := os.WriteFile(filepath.Join(dir, c.File), c.SVG, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Writable is a report in the forms Write writes: a *ReplayReport or a
// *Report.
type Writable interface {
	WriteJSON(io.Writer) error
	WriteText(io.Writer) error
	WriteMarkdown(w io.Writer, chartDir string) error
	Charts() ([]Chart, error)
}

// Formats are the formats Write writes.
var Formats = []string{"text", "json", "markdown"}

// Write writes rep to w in format, one of Formats. With Markdown and a
// chartDir, the charts are written into chartDir first (WriteCharts),
// and the Markdown links them there.
func Write(w io.Writer, rep Writable, format, chartDir string) error {
	switch format {
	case "json":
		return rep.WriteJSON(w)
	case "text":
		return rep.WriteText(w)
	case "markdown":
		if chartDir != "" {
			charts, err := rep.Charts()
			if err == nil {
				err = WriteCharts(chartDir, charts)
			}
			if err != nil {
				return err
			}
		}
		return rep.WriteMarkdown(w, filepath.ToSlash(chartDir))
	}
	return fmt.Errorf("format %q: want %s", format, strings.Join(Formats, ", "))
}
