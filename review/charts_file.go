package review

import (
	"os"
	"path/filepath"
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
